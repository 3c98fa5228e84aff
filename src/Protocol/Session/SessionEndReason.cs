namespace EchoServers.Protocol.Session;

/// <summary>Why a session ended.</summary>
public enum SessionEndReason
{
    /// <summary>The peer closed its side (FIN) and every reply was sent.</summary>
    PeerClosed,

    /// <summary>The peer stopped reading replies (the output side closed or reset).</summary>
    OutputClosed,

    /// <summary>The peer broke the protocol; see <see cref="SessionResult.Error"/>.</summary>
    ProtocolError,

    /// <summary>The peer sent nothing for longer than the idle timeout.</summary>
    IdleTimeout,

    /// <summary>The host asked the session to close (server stopping): it stopped reading and flushed what it had read.</summary>
    Closing,
}
