namespace EchoServers.Servers.Connections;

/// <summary>How a session that threw has ended (<see cref="ConnectionEnds.Classify"/>).</summary>
internal enum ConnectionEnd
{
    /// <summary>The peer took no bytes for the send timeout: counted; the caller aborts the connection (a reset).</summary>
    SendTimeout,

    /// <summary>The peer reset or vanished, or broke the TLS stream: the peer's doing, counted like a reset.</summary>
    Reset,

    /// <summary>Our own side aborted it (the stop sequence, or a timeout): counted where that was decided, not here.</summary>
    Aborted,

    /// <summary>Anything else: a fault, counted and logged with its exception.</summary>
    Failed,
}
