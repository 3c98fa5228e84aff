using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// One loop of the epoll transport: a dedicated thread, one epoll set, an eventfd to wake it, and the connections it
/// owns. Every system call on a connection's socket (recv, send, shutdown, close, epoll_ctl) is made on this thread,
/// so a descriptor can never be closed under a call that uses it. Other threads reach a connection through
/// <see cref="Post"/> (a queue and one eventfd write), which is also the pipes' scheduler
/// (<see cref="Scheduler"/>): inline when already on the loop thread, queued otherwise.
/// Level-triggered: a connection that is not read until EAGAIN is reported again, so one recv per event suffices.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong AcceptToken = ulong.MaxValue - 1;
    private const int MaxEvents = 256;

    private readonly int _index;
    private readonly ILogger _logger;
    private readonly Action? _loopTurn;
    private readonly SafeEpollHandle _epoll;
    private readonly SafeEventFdHandle _wake;
    private readonly byte* _events;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _posted = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<EpollConnection> _lingering = [];
    private EpollConnection?[] _slots = new EpollConnection?[64];
    private uint[] _generations = new uint[64];
    private int[] _freeSlots = new int[64];
    private int _freeCount;
    private int _slotCount;
    private int _open;
    private long _accepted;
    private int _wakePending;
    private int _threadId = -1;
    private volatile bool _stopRequested;
    private Action? _acceptReady;
    private bool _disposed;

    public EpollLoop(int index, EpollTransportOptions options)
    {
        _index = index;
        _logger = options.Logger;
        _loopTurn = options.Hooks?.LoopTurn;
        _epoll = SafeEpollHandle.Create();
        try
        {
            _wake = SafeEventFdHandle.Create();
            var error = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlAdd, _wake, LinuxConstants.EpollIn, WakeToken);
            if (error != 0)
            {
                throw Errno.ToSocketException(error, "epoll_ctl(ADD eventfd)");
            }
        }
        catch
        {
            _wake?.Dispose();
            _epoll.Dispose();
            throw;
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollEvent.Size));
        Scheduler = new EpollLoopScheduler(this);
        InputOptions = new PipeOptions(
            pool: options.Pool,
            readerScheduler: options.AppScheduler,
            writerScheduler: Scheduler,
            pauseWriterThreshold: options.InputPause,
            resumeWriterThreshold: options.InputResume,
            minimumSegmentSize: options.SegmentSize,
            useSynchronizationContext: false);
        OutputOptions = new PipeOptions(
            pool: options.Pool,
            readerScheduler: Scheduler,
            writerScheduler: options.AppScheduler,
            pauseWriterThreshold: options.OutputPause,
            resumeWriterThreshold: options.OutputResume,
            minimumSegmentSize: options.SegmentSize,
            useSynchronizationContext: false);
        Scratch = GC.AllocateUninitializedArray<byte>(options.SegmentSize, pinned: true);
        _thread = new Thread(Run) { IsBackground = true, Name = $"epoll-transport-{index}" };
        _thread.Start();
    }

    /// <summary>Runs a continuation on this loop: inline when called on it, else queued and the loop woken.</summary>
    public PipeScheduler Scheduler { get; }

    /// <summary>Input pipes: the app reads with its scheduler, the loop's paused flush resumes on the loop.</summary>
    public PipeOptions InputOptions { get; }

    /// <summary>Output pipes: the loop's sender resumes on the loop, the app's paused flush on the app's scheduler.</summary>
    public PipeOptions OutputOptions { get; }

    /// <summary>Where input that nobody will read is received and dropped (loop thread only).</summary>
    public byte[] Scratch { get; }

    /// <summary>Completes when the loop thread has ended.</summary>
    public Task Completed => _completed.Task;

    public bool IsLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _threadId);

    /// <summary>Now, for linger deadlines (milliseconds).</summary>
    public static long NowMs => Environment.TickCount64;

    /// <summary>Queues <paramref name="action"/> to run on the loop thread after the current batch of events; any thread.</summary>
    public void Post(Action<object?> action, object? state)
    {
        _posted.Enqueue((action, state));
        if (!IsLoopThread && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Signal();
        }
    }

    /// <summary>Asks the loop to abort its connections and end; any thread.</summary>
    public void Stop()
    {
        _stopRequested = true;
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Signal();
        }
    }

    /// <summary>Loop thread: takes a slot for <paramref name="connection"/> and the epoll token that names it.</summary>
    public ulong AddConnection(EpollConnection connection)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _freeSlots[--_freeCount];
        }
        else
        {
            if (_slotCount == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
                Array.Resize(ref _generations, _slots.Length);
                Array.Resize(ref _freeSlots, _slots.Length);
            }

            slot = _slotCount++;
        }

        _slots[slot] = connection;
        _open++;
        Interlocked.Increment(ref _accepted);

        // The generation makes a stale event (same batch as the close) miss a slot that was reused meanwhile.
        return ((ulong)++_generations[slot] << 32) | (uint)slot;
    }

    /// <summary>Loop thread: frees the slot of a closed connection.</summary>
    public void RemoveConnection(ulong token)
    {
        var slot = (int)(uint)token;
        _slots[slot] = null;
        _freeSlots[_freeCount++] = slot;
        _open--;
    }

    /// <summary>epoll_ctl on this loop's set; returns 0 or errno. Any thread (the kernel serialises epoll_ctl).</summary>
    public int Control(int op, int fd, uint events, ulong token) => EpollEvent.Control(_epoll, op, fd, events, token);

    /// <summary>
    /// Watches a listening socket once (EPOLLONESHOT) and calls <paramref name="ready"/> on the loop thread when a
    /// connection waits; the listener adds it on first use and re-arms it with Mod after. Any thread.
    /// </summary>
    public int WatchListener(int fd, bool first, Action ready)
    {
        Volatile.Write(ref _acceptReady, ready);
        return EpollEvent.Control(
            _epoll,
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
            var n = _epoll.Wait(_events, MaxEvents, NextTimeoutMs());
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
                var token = EpollEvent.Data(_events, i);
                if (token == WakeToken)
                {
                    // Drain first, then clear: a signal sent between the two would otherwise be drained while
                    // the flag says one is pending, and every later Post or Stop would skip signalling (Stop hung
                    // in epoll_wait with the flag set and the eventfd empty). A thread that saw the flag set and did
                    // not signal is still served: its posted work and the stop are checked after this batch (a full
                    // fence, so those reads cannot move before the clear).
                    _wake.Drain();
                    Interlocked.Exchange(ref _wakePending, 0);
                }
                else if (token == AcceptToken)
                {
                    Volatile.Read(ref _acceptReady)?.Invoke();
                }
                else
                {
                    var slot = (int)(uint)token;
                    if (slot < _slotCount && _slots[slot] is { } connection && _generations[slot] == (uint)(token >> 32))
                    {
                        connection.OnEvents(EpollEvent.Events(_events, i));
                    }
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

        if (!_posted.IsEmpty && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Signal();
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

        return (int)Math.Clamp(next - NowMs, 0, int.MaxValue);
    }

    private void ExpireLingering()
    {
        var now = NowMs;
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
        for (var i = 0; i < _slotCount; i++)
        {
            _slots[i]?.AbortOnLoop(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("the transport stopped"));
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

        _wake.Dispose();
        _epoll.Dispose();
        NativeMemory.Free(_events);
    }
}
