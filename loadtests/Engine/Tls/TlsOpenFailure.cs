namespace EchoServers.Load.Engine.Tls;

/// <summary>A connection that could not be opened: the TCP connect or the TLS handshake failed, for <see cref="Cause"/>.</summary>
internal sealed class TlsOpenFailure : Exception
{
    public TlsOpenFailure(ConnectFailure cause, bool inHandshake, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Cause = cause;
        InHandshake = inHandshake;
    }

    public TlsOpenFailure()
    {
    }

    public TlsOpenFailure(string message)
        : base(message)
    {
    }

    public TlsOpenFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>How the reports count it.</summary>
    public ConnectFailure Cause { get; } = ConnectFailure.Other;

    /// <summary>The TCP connection was up and the handshake failed (a certificate refused, a plain-TCP server, a timeout).</summary>
    public bool InHandshake { get; }

    /// <summary>The certificate was refused by the trust settings: no connection of the run can succeed.</summary>
    public bool Untrusted { get; init; }
}
