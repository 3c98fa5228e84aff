namespace EchoServers.Servers.Connections;

/// <summary>Per-connection events that are normal on a busy server: counted and logged as one line per interval.</summary>
public enum ConnectionEvent
{
    /// <summary>The peer reset the connection or it broke (ECONNRESET, EPIPE).</summary>
    Reset,

    /// <summary>Closed after the idle timeout.</summary>
    IdleTimeout,

    /// <summary>Aborted because the peer took no replies for the send timeout (during the session or after it).</summary>
    SendTimeout,

    /// <summary>--tls: the handshake failed (plain text, an old version, garbage, the client's rejection) or missed its deadline.</summary>
    HandshakeFailed,

    /// <summary>Refused: --max-connections reached.</summary>
    RefusedLimit,

    /// <summary>Refused: the pool's waiting queue was full.</summary>
    RefusedQueueFull,

    /// <summary>Refused because the server is stopping (pool: still waiting in the queue; Kestrel: arrived during the drain).</summary>
    RefusedStopping,

    /// <summary>Aborted when the server stopped and the connection did not close in time.</summary>
    AbortedOnStop,

    /// <summary>accept() failed (e.g. EMFILE: out of file descriptors); the listener keeps going after a short pause.</summary>
    AcceptFailed,

    /// <summary>Ended by an unexpected error (the first of an interval logged at Warning with its exception, the rest counted).</summary>
    Failed,
}
