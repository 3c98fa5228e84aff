namespace EchoServers.Client.Net;

/// <summary>A failure the user gets as one line on stderr and a non-zero exit (no stack trace: it is not a bug).</summary>
internal sealed class ClientFailure : Exception
{
    public ClientFailure()
    {
    }

    public ClientFailure(string message)
        : base(message)
    {
    }

    public ClientFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
