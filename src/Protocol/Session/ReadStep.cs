using System.IO.Pipelines;
using EchoServers.Protocol.Framing;

namespace EchoServers.Protocol.Session;

/// <summary>
/// What one read of a <see cref="PipeSession"/> did: messages echoed, bytes consumed and written, the line scan's
/// progress on what is left, whether an incomplete frame is left, the protocol error that ended it, and the flush's
/// result when the replies were written through (null: the session still flushes).
/// </summary>
internal readonly record struct ReadStep(int Count, long Read, long Written, long Scanned, bool FramePending, ProtocolError? Error, FlushResult? Sent)
{
    /// <summary>Raw framing: the whole read was the reply, already written and flushed.</summary>
    public static ReadStep WrittenThrough(long length, FlushResult sent) => new(1, length, length, 0, false, null, sent);
}
