using System.Diagnostics;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// Awaits <see cref="TcpConnect"/>'s connects for callers that are tasks, not I/O threads (the TLS engine's churn):
/// one thread with its own epoll set completes each connect's task with its outcome (0 or the errno of
/// <c>SO_ERROR</c>) when EPOLLOUT reports it, or with ETIMEDOUT at its deadline. The TCP connect is thus the same
/// syscalls, the same causes and the same timeout as the connect phase's and the I/O threads'.
/// </summary>
internal sealed unsafe class ConnectWaiter : IDisposable
{
    private static readonly long ScanTicks = Stopwatch.Frequency / 100;

    private readonly SafeEpollHandle _epoll = SafeEpollHandle.Create();
    private readonly Lock _gate = new();
    private readonly Dictionary<int, (TaskCompletionSource<int> Done, long DeadlineTs)> _pending = [];
    private readonly Thread _thread;
    private volatile bool _stopped;

    public ConnectWaiter()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "echo-load connect waiter" };
        _thread.Start();
    }

    /// <summary>Completes with 0 once <paramref name="fd"/>'s connect is established, else with its errno (ETIMEDOUT at <paramref name="deadlineTs"/>).</summary>
    public Task<int> WaitAsync(int fd, long deadlineTs)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending[fd] = (done, deadlineTs);
        }

        var control = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollOut, (ulong)fd);
        if (control != 0)
        {
            Complete(fd, control);
        }

        return done.Task;
    }

    private void Run()
    {
        Span<byte> events = stackalloc byte[EpollEvent.Size * 64];
        var nextScan = 0L;
        while (!_stopped)
        {
            var n = _epoll.Wait(events, 10);
            for (var i = 0; i < n; i++)
            {
                var fd = (int)EpollEvent.Data(events, i);
                Complete(fd, TcpConnect.Result(fd));
            }

            var now = Stopwatch.GetTimestamp();
            if (now >= nextScan)
            {
                nextScan = now + ScanTicks;
                TimeOut(now);
            }
        }

        lock (_gate)
        {
            foreach (var (done, _) in _pending.Values)
            {
                done.TrySetCanceled();
            }

            _pending.Clear();
        }
    }

    private void TimeOut(long now)
    {
        List<int>? late = null;
        lock (_gate)
        {
            foreach (var (fd, (_, deadline)) in _pending)
            {
                if (now >= deadline)
                {
                    (late ??= []).Add(fd);
                }
            }
        }

        foreach (var fd in late ?? [])
        {
            Complete(fd, Errno.ETIMEDOUT);
        }
    }

    private void Complete(int fd, int errno)
    {
        TaskCompletionSource<int>? done;
        lock (_gate)
        {
            if (!_pending.Remove(fd, out var entry))
            {
                return;
            }

            done = entry.Done;
        }

        _ = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlDel, fd, 0, 0);
        done.TrySetResult(errno);
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join(TimeSpan.FromSeconds(1));
        _epoll.Dispose();
    }
}
