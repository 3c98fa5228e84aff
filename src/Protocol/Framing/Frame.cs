namespace EchoServers.Protocol.Framing;

/// <summary>Where one frame sits in a contiguous buffer: its payload and how many bytes it used on the wire.</summary>
/// <param name="PayloadOffset">Offset of the payload from the start of the buffer (after any length prefix).</param>
/// <param name="PayloadLength">Length of the payload (without prefix or line ending).</param>
/// <param name="Consumed">Bytes the whole frame takes, header and delimiter included.</param>
public readonly record struct Frame(int PayloadOffset, int PayloadLength, int Consumed);
