using System.IO.Pipelines;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;

namespace EchoServers.Servers.Connections;

/// <summary>
/// Pipe thresholds for the pipe-based models (async, Kestrel), which decide the memory bound per connection.
/// <para>
/// Input: the receive pump stops reading from the socket once <see cref="InputPause"/> bytes are buffered and not
/// consumed. It must exceed the largest frame on the wire (max frame + 4), or a frame that cannot complete would
/// stall the pump forever; default max frame 64 KiB gives 128 KiB. Output: the session's flush waits once
/// <see cref="OutputPause"/> (64 KiB) bytes are unsent, so a peer that does not read stops being read.
/// </para>
/// <para>
/// Bound per connection ≈ InputPause + one receive segment (4 KiB) + OutputPause + one read batch of replies
/// (≤ InputPause): 128 + 4 + 64 + 128 ≈ 324 KiB with the defaults, plus the kernel's socket buffers.
/// An idle connection holds one 4 KiB segment (the pending receive) and the pipes' bookkeeping.
/// </para>
/// </summary>
internal static class PipeLimits
{
    public const int OutputPause = 64 * 1024;

    public const int OutputResume = OutputPause / 2;

    public const int MinimumSegmentSize = 4096;

    public static long InputPause(ProtocolOptions protocol) =>
        Math.Max(128 * 1024, 2L * (protocol.MaxFrame + ProtocolLimits.LengthPrefixSize));

    /// <summary>
    /// Inline schedulers when no work is simulated: the session runs on the thread that completed the receive,
    /// with no thread-pool hop per read. With --work the session may spin or wait, so it goes to the thread pool.
    /// </summary>
    public static PipeScheduler Scheduler(ProtocolOptions protocol) =>
        protocol.Work.IsNone ? PipeScheduler.Inline : PipeScheduler.ThreadPool;

    public static PipeOptions Input(ProtocolOptions protocol)
    {
        var pause = InputPause(protocol);
        return new PipeOptions(
            readerScheduler: Scheduler(protocol),
            writerScheduler: Scheduler(protocol),
            pauseWriterThreshold: pause,
            resumeWriterThreshold: pause / 2,
            minimumSegmentSize: MinimumSegmentSize,
            useSynchronizationContext: false);
    }

    public static PipeOptions Output(ProtocolOptions protocol) => new(
        readerScheduler: Scheduler(protocol),
        writerScheduler: Scheduler(protocol),
        pauseWriterThreshold: OutputPause,
        resumeWriterThreshold: OutputResume,
        minimumSegmentSize: MinimumSegmentSize,
        useSynchronizationContext: false);
}
