namespace EchoServers.Protocol.Framing;

/// <summary>Thrown by the pipeline frame reader when the peer breaks the protocol; carries the typed error.</summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public ProtocolException(ProtocolError error)
        : base(error.Describe())
    {
        Error = error;
    }

    /// <summary>Not used: a protocol exception always carries a <see cref="ProtocolError"/>.</summary>
    public ProtocolException()
        : this(new ProtocolError(ProtocolErrorKind.MalformedLength, FramingKind.Length, 0, 0))
    {
    }

    /// <summary>Not used: a protocol exception always carries a <see cref="ProtocolError"/>.</summary>
    public ProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Not used: a protocol exception always carries a <see cref="ProtocolError"/>.</summary>
    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What the peer did wrong.</summary>
    public ProtocolError Error { get; }
}
