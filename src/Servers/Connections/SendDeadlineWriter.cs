using System.IO.Pipelines;

namespace EchoServers.Servers.Connections;

/// <summary>
/// <c>--send-timeout</c> for the pipe models, on the app's side of any transport: a flush that waits longer than the
/// timeout (the output pipe stayed over its resume mark the whole time: the peer took less than half the pause
/// threshold of replies, usually nothing) is cancelled, and <see cref="TimedOut"/> tells the caller to abort the
/// connection and count it. A flush that completes at once (the usual case) costs nothing extra.
/// </summary>
internal sealed class SendDeadlineWriter(PipeWriter inner, TimeSpan timeout) : PipeWriter
{
    private volatile bool _timedOut;

    /// <summary>Whether a flush missed the deadline.</summary>
    public bool TimedOut => _timedOut;

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        Bounded(inner.FlushAsync(cancellationToken));

    /// <summary>The inner writer's own write-and-flush (a transport may send <paramref name="source"/> without a copy).</summary>
    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        Bounded(inner.WriteAsync(source, cancellationToken));

    private ValueTask<FlushResult> Bounded(ValueTask<FlushResult> flush) =>
        flush.IsCompleted || timeout <= TimeSpan.Zero ? flush : WaitAsync(flush.AsTask());

    private async ValueTask<FlushResult> WaitAsync(Task<FlushResult> flush)
    {
        try
        {
            // WaitAsync, not Task.Delay: its timer goes away as soon as the flush completes.
            return await flush.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _timedOut = true;
            inner.CancelPendingFlush();
            return await flush;
        }
    }
}
