namespace EchoServers.Protocol.Framing;

/// <summary>The outcome of looking for one frame at the start of a buffer.</summary>
public enum FrameStatus
{
    /// <summary>A whole frame is there.</summary>
    Complete,

    /// <summary>More bytes are needed; nothing is wrong yet.</summary>
    Incomplete,

    /// <summary>The frame is, or is declared to be, larger than the maximum frame size.</summary>
    TooLarge,

    /// <summary>The bytes cannot be a frame at all (a negative length prefix).</summary>
    Malformed,
}
