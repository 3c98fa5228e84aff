namespace EchoServers.Servers.Connections.Tls;

/// <summary>The certificate could not be loaded or made: the host reports the message in one line and exits 1.</summary>
public sealed class TlsSetupException : Exception
{
    public TlsSetupException()
    {
    }

    public TlsSetupException(string message)
        : base(message)
    {
    }

    public TlsSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
