using System.Threading.Tasks.Sources;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// What a connection's sender awaits after send returned EAGAIN: true when EPOLLOUT (or an error) is reported, false
/// when the connection closed meanwhile. One per connection, reset before each wait, so waiting allocates nothing;
/// the continuation runs inline on the loop thread that signals it.
/// </summary>
internal sealed class WritableSignal : IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

    public bool Waiting { get; private set; }

    public ValueTask<bool> WaitAsync()
    {
        _core.Reset();
        Waiting = true;
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Wakes the sender (loop thread); does nothing when it is not waiting.</summary>
    public void Set(bool writable)
    {
        if (Waiting)
        {
            Waiting = false;
            _core.SetResult(writable);
        }
    }

    public bool GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
