namespace EchoServers.Client.Net;

/// <summary>Why the stream of replies ended.</summary>
internal enum ReplyEndKind
{
    /// <summary>Still running.</summary>
    None,

    /// <summary>The server closed the connection between frames.</summary>
    ServerClosed,

    /// <summary>The server closed the connection in the middle of a frame.</summary>
    ServerClosedMidFrame,

    /// <summary>A reply broke the protocol (over --max-frame, or a negative length prefix).</summary>
    ProtocolError,

    /// <summary>The connection was reset or failed.</summary>
    ConnectionLost,

    /// <summary>The client stopped reading (it is leaving).</summary>
    Cancelled,
}
