using EchoServers.Protocol.Framing;

namespace EchoServers.Protocol.Session;

/// <summary>How a session ended, and what it echoed.</summary>
/// <param name="Reason">Why it ended.</param>
/// <param name="Error">The protocol error, when <see cref="SessionEndReason.ProtocolError"/>.</param>
/// <param name="Messages">Frames echoed.</param>
/// <param name="BytesIn">Bytes consumed from the peer.</param>
/// <param name="BytesOut">Bytes written to the peer.</param>
public readonly record struct SessionResult(SessionEndReason Reason, ProtocolError? Error, long Messages, long BytesIn, long BytesOut);
