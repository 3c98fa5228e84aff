using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The one operation of the app's that waits on the loop: a read with nothing new to return (<see cref="EpollInput"/>)
/// or a flush past the pause mark (<see cref="EpollOutput"/>). A reusable <see cref="IValueTaskSource{T}"/>, so
/// waiting allocates nothing, completed on the app's scheduler (inline on the loop thread without <c>--work</c>, as
/// the pipes' schedulers were). <see cref="Start"/> and <see cref="TryEnd"/> run under the owner's lock;
/// <see cref="Resume"/> after it, never under it, since the continuation may read, write and flush again.
/// </summary>
internal sealed class PendingOperation<T>(PipeScheduler appScheduler) : IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = false };
    private T _result = default!;
    private Exception? _error;
    private CancellationTokenRegistration _cancellation;

    public bool IsWaiting { get; private set; }

    /// <summary>Under the lock: the operation waits; <paramref name="cancel"/> runs if the token fires first.</summary>
    public ValueTask<T> Start(Action<object?> cancel, object state, CancellationToken cancellationToken)
    {
        IsWaiting = true;
        _core.Reset();
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(cancel, state);
        }

        return new ValueTask<T>(this, _core.Version);
    }

    /// <summary>Under the lock: ends the wait with <paramref name="result"/> (or <paramref name="error"/>) if one waits; then call <see cref="Resume"/>.</summary>
    public bool TryEnd(T result, Exception? error = null)
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
            appScheduler.Schedule(static state => Complete((PendingOperation<T>)state!), this);
        }
    }

    private static void Complete(PendingOperation<T> operation)
    {
        // Not Dispose: this may run inside the registration's own callback, which Dispose would wait for.
        operation._cancellation.Unregister();
        operation._cancellation = default;
        var result = operation._result;
        operation._result = default!;
        if (operation._error is { } error)
        {
            operation._core.SetException(error);
        }
        else
        {
            operation._core.SetResult(result);
        }
    }

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
