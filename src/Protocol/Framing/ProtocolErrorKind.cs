namespace EchoServers.Protocol.Framing;

/// <summary>Why a connection broke the protocol.</summary>
public enum ProtocolErrorKind
{
    /// <summary>A frame longer than the maximum frame size (a line without end, or a large length prefix).</summary>
    FrameTooLarge,

    /// <summary>A length prefix that cannot be a length (negative).</summary>
    MalformedLength,
}
