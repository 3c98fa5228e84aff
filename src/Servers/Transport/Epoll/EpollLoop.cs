using System.Collections.Concurrent;
using EchoServers.Linux;
using EchoServers.Servers.Epoll;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// One loop of the epoll transport: a dedicated thread, one epoll set, an eventfd to wake it, and the connections it
/// owns. Every system call on a connection's socket (recv, send, shutdown, close, epoll_ctl) is made on this thread,
/// so a descriptor can never be closed under a call that uses it. Other threads reach a connection through
/// <see cref="Post"/> (a queue and one eventfd write): an off-loop flush's send, a resumed input, an abort.
/// Level-triggered: a connection that is not read until EAGAIN is reported again, so one recv per event suffices.
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    private const ulong AcceptToken = ulong.MaxValue - 1;

    private readonly int _index;
    private readonly ILogger _logger;
    private readonly Action? _loopTurn;
    private readonly EpollSet _epoll;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _posted = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<EpollConnection> _lingering = [];
    private readonly SlotTable<EpollConnection> _slots = new();
    private int _open;
    private long _accepted;
    private int _threadId = -1;
    private volatile bool _stopRequested;
    private Action? _acceptReady;
    private bool _disposed;

    public EpollLoop(int index, EpollTransportOptions options)
    {
        _index = index;
        _logger = options.Logger;
        _loopTurn = options.Hooks?.LoopTurn;
        _epoll = new EpollSet();
        Scratch = GC.AllocateUninitializedArray<byte>(options.SegmentSize, pinned: true);
        _thread = new Thread(Run) { IsBackground = true, Name = $"epoll-transport-{index}" };
        _thread.Start();
    }

    /// <summary>Where input that nobody will read is received and dropped (loop thread only).</summary>
    public byte[] Scratch { get; }

    /// <summary>Completes when the loop thread has ended.</summary>
    public Task Completed => _completed.Task;

    public bool IsLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _threadId);

    /// <summary>Queues <paramref name="action"/> to run on the loop thread after the current batch of events; any thread.</summary>
    public void Post(Action<object?> action, object? state)
    {
        _posted.Enqueue((action, state));
        if (!IsLoopThread)
        {
            _epoll.Wake();
        }
    }

    /// <summary>Asks the loop to abort its connections and end; any thread.</summary>
    public void Stop()
    {
        _stopRequested = true;
        _epoll.Wake();
    }

    /// <summary>Loop thread: takes a slot for <paramref name="connection"/> and the epoll token that names it.</summary>
    public ulong AddConnection(EpollConnection connection)
    {
        var token = _slots.Take(out var slot, out _);
        _slots.Set(slot, connection);
        Volatile.Write(ref _open, _slots.Live);
        Interlocked.Increment(ref _accepted);
        return token;
    }

    /// <summary>Loop thread: frees the slot of a closed connection.</summary>
    public void RemoveConnection(ulong token)
    {
        _slots.Free(token, keep: false);
        Volatile.Write(ref _open, _slots.Live);
    }

    /// <summary>epoll_ctl on this loop's set; returns 0 or errno. Any thread (the kernel serialises epoll_ctl).</summary>
    public int Control(int op, int fd, uint events, ulong token) => _epoll.Control(op, fd, events, token);

    /// <summary>
    /// Watches a listening socket once (EPOLLONESHOT) and calls <paramref name="ready"/> on the loop thread when a
    /// connection waits; the listener adds it on first use and re-arms it with Mod after. Any thread.
    /// </summary>
    public int WatchListener(int fd, bool first, Action ready)
    {
        Volatile.Write(ref _acceptReady, ready);
        return _epoll.Control(
            first ? LinuxConstants.EpollCtlAdd : LinuxConstants.EpollCtlMod,
            fd,
            LinuxConstants.EpollIn | LinuxConstants.EpollOneShot,
            AcceptToken);
    }

    /// <summary>Loop thread: closes <paramref name="connection"/> at <see cref="EpollConnection.LingerDeadline"/> unless it closes first.</summary>
    public void AddLingering(EpollConnection connection) => _lingering.Add(connection);

    private void Run()
    {
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        try
        {
            RunCore();
        }
        catch (Exception ex)
        {
            EpollTransportLog.LoopCrashed(_logger, _index, ex);
            FatalErrors.Report($"epoll transport loop {_index}", ex);
        }
        finally
        {
            AbortAll();
            _completed.TrySetResult();
        }
    }

    private void RunCore()
    {
        while (!_stopRequested)
        {
            _loopTurn?.Invoke();
            var n = _epoll.Wait(NextTimeoutMs());
            if (n < 0)
            {
                if (-n == Errno.EINTR)
                {
                    continue;
                }

                EpollTransportLog.SyscallFailed(_logger, _index, -n, "epoll_wait");
                return;
            }

            for (var i = 0; i < n; i++)
            {
                var token = _epoll.Token(i);
                if (token == EpollSet.WakeToken)
                {
                    // Posted work and the stop are checked after this batch.
                    _epoll.DrainWake();
                }
                else if (token == AcceptToken)
                {
                    Volatile.Read(ref _acceptReady)?.Invoke();
                }
                else
                {
                    _slots.Get(token)?.OnEvents(_epoll.Events(i));
                }
            }

            RunPosted();
            if (_lingering.Count > 0)
            {
                ExpireLingering();
            }
        }
    }

    private void RunPosted()
    {
        // Bounded: work posted by what runs here waits for the next turn instead of starving the sockets.
        for (var budget = _posted.Count; budget > 0 && _posted.TryDequeue(out var item); budget--)
        {
            try
            {
                item.Action(item.State);
            }
            catch (Exception ex)
            {
                EpollTransportLog.PostedFailed(_logger, _index, ex);
            }
        }

        if (!_posted.IsEmpty)
        {
            _epoll.Wake();
        }
    }

    private int NextTimeoutMs()
    {
        if (!_posted.IsEmpty)
        {
            return 0;
        }

        if (_lingering.Count == 0)
        {
            return -1;
        }

        var next = long.MaxValue;
        foreach (var connection in _lingering)
        {
            next = Math.Min(next, connection.LingerDeadline);
        }

        return LoopClock.TimeoutMs(next);
    }

    private void ExpireLingering()
    {
        var now = LoopClock.Now;
        for (var i = _lingering.Count - 1; i >= 0; i--)
        {
            var connection = _lingering[i];
            if (connection.IsClosed)
            {
                _lingering.RemoveAt(i);
            }
            else if (now >= connection.LingerDeadline)
            {
                _lingering.RemoveAt(i);
                connection.LingerExpired();
            }
        }
    }

    private void AbortAll()
    {
        // Connections posted but never registered are closed by their own registration failing below.
        RunPosted();
        for (var i = 0; i < _slots.Count; i++)
        {
            _slots.LiveAt(i)?.AbortOnLoop(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("the transport stopped"));
        }
    }

    /// <summary>Connections this loop has been given (tests: the spread over loops).</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    /// <summary>Whether the loop still owns open connections (tests).</summary>
    public int OpenCount => Volatile.Read(ref _open);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop();
        if (_thread.IsAlive && !IsLoopThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        _epoll.Dispose();
    }
}
