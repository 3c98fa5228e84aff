namespace EchoServers.Protocol.Framing;

/// <summary>How messages are delimited on the wire.</summary>
public enum FramingKind
{
    /// <summary>No framing: bytes are echoed as they arrive (RFC 862). Each read is one "message".</summary>
    Raw,

    /// <summary>Messages end with <c>\n</c>; a preceding <c>\r</c> is tolerated and stripped.</summary>
    Line,

    /// <summary>Each message is preceded by a 4-byte big-endian length.</summary>
    Length,
}
