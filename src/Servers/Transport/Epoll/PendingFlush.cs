using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The one flush of an <see cref="EpollOutput"/> that waits (the peer takes less than the app writes): a reusable
/// <see cref="IValueTaskSource{FlushResult}"/>, so waiting allocates nothing, completed on the app's scheduler (inline
/// on the loop thread without <c>--work</c>, as the output pipe's writer scheduler was). <see cref="Start"/> and
/// <see cref="TryEnd"/> run under the output's lock; <see cref="Resume"/> after it, never under it, since the
/// continuation may write and flush again.
/// </summary>
internal sealed class PendingFlush(PipeScheduler appScheduler) : IValueTaskSource<FlushResult>
{
    private ManualResetValueTaskSourceCore<FlushResult> _core = new() { RunContinuationsAsynchronously = false };
    private FlushResult _result;
    private Exception? _error;
    private CancellationTokenRegistration _cancellation;

    public bool IsWaiting { get; private set; }

    /// <summary>Under the lock: the flush waits; <paramref name="cancel"/> runs if the token fires first.</summary>
    public ValueTask<FlushResult> Start(Action<object?> cancel, object state, CancellationToken cancellationToken)
    {
        IsWaiting = true;
        _core.Reset();
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(cancel, state);
        }

        return new ValueTask<FlushResult>(this, _core.Version);
    }

    /// <summary>Under the lock: ends the wait with <paramref name="result"/> (or <paramref name="error"/>) if a flush waits; then call <see cref="Resume"/>.</summary>
    public bool TryEnd(FlushResult result, Exception? error = null)
    {
        if (!IsWaiting)
        {
            return false;
        }

        IsWaiting = false;
        _result = result;
        _error = error;
        return true;
    }

    /// <summary>Outside the lock: resumes the app after <see cref="TryEnd"/> returned true.</summary>
    public void Resume()
    {
        if (appScheduler == PipeScheduler.Inline)
        {
            Complete(this);
        }
        else
        {
            appScheduler.Schedule(static state => Complete((PendingFlush)state!), this);
        }
    }

    private static void Complete(PendingFlush flush)
    {
        // Not Dispose: this may run inside the registration's own callback, which Dispose would wait for.
        flush._cancellation.Unregister();
        flush._cancellation = default;
        if (flush._error is { } error)
        {
            flush._core.SetException(error);
        }
        else
        {
            flush._core.SetResult(flush._result);
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
