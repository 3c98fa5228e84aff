using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// One event loop: a dedicated thread, one epoll set, one SO_REUSEPORT listener and the connections it accepted.
/// Level triggered, one recv and one send per readiness event, backpressure through EPOLLOUT: the shape of the C
/// reference. Everything here runs on the loop thread except <see cref="RequestStop"/>/<see cref="RequestAbort"/>,
/// which only set flags and write to the eventfd.
/// </summary>
internal sealed unsafe partial class EventLoopThread : IDisposable
{
    private const ulong ListenerToken = ulong.MaxValue;
    private const ulong WakeToken = ulong.MaxValue - 1;

    private readonly int _index;
    private readonly LoopSettings _settings;
    private readonly InPlaceEchoer _echoer;
    private readonly Socket _listener;
    private readonly int _listenerFd;
    private readonly SafeEpollHandle _epfd;
    private readonly SafeEventFdHandle _eventFd;
    private readonly byte* _events;
    private readonly byte* _scratch;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PriorityQueue<ulong, long> _deferred = new();
    private Connection[] _slots = new Connection[64];
    private int[] _freeSlots = new int[64];
    private int _freeCount;
    private int _slotCount;
    private int _open;
    private int _lingering;
    private int _backpressured;
    private int _buffered;
    private long _now;
    private long _nextScan;
    private long _acceptResumeAt;
    private bool _listening;
    private bool _stopping;
    private bool _drainExpired;
    private long _drainDeadline;
    private long _abortDeadline;
    private long _requestedDrainDeadline;
    private volatile bool _stopRequested;
    private volatile bool _abortRequested;
    private long _acceptedCount;
    private long _allocatedBytes;
    private bool _disposed;

    public EventLoopThread(int index, Socket listener, LoopSettings settings)
    {
        _index = index;
        _settings = settings;
        _echoer = settings.Echoer;
        _listener = listener;
        _listenerFd = (int)listener.SafeHandle.DangerousGetHandle();
        _epfd = SafeEpollHandle.Create();
        try
        {
            _eventFd = SafeEventFdHandle.Create();
        }
        catch
        {
            _epfd.Dispose();
            throw;
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(LoopSettings.MaxEvents * EpollEvent.Size));
        _scratch = (byte*)NativeMemory.AlignedAlloc(LoopSettings.ReadSize, 64);
        try
        {
            Register(_eventFd, LinuxConstants.EpollIn, WakeToken);
            Register(_listener.SafeHandle, LinuxConstants.EpollIn, ListenerToken);
        }
        catch
        {
            Dispose();
            throw;
        }

        _listening = true;
        _thread = new Thread(Run) { IsBackground = true, Name = $"eventloop-{index}" };
    }

    /// <summary>Completes once the loop is waiting for events.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the thread has ended (after stop, or a crash).</summary>
    public Task Completed => _completed.Task;

    /// <summary>Connections this loop accepted (tests check that SO_REUSEPORT spreads them).</summary>
    public long AcceptedCount => Interlocked.Read(ref _acceptedCount);

    /// <summary>Connections not being read because their replies wait for EPOLLOUT (tests watch backpressure with it).</summary>
    public int BackpressuredCount => Volatile.Read(ref _backpressured);

    /// <summary>Connections holding a buffer of their own (a partial frame or unsent replies); tests watch partial frames with it.</summary>
    public int BufferedCount => Volatile.Read(ref _buffered);

    /// <summary>Bytes the loop thread has allocated, sampled after every batch when <see cref="TrackAllocations"/> is on.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Test hook: sample the loop thread's allocation counter after every epoll batch.</summary>
    public bool TrackAllocations { get; set; }

    public void Start() => _thread.Start();

    /// <summary>Stop accepting now; serve open connections until <paramref name="drainDeadline"/> (a Stopwatch timestamp).</summary>
    public void RequestStop(long drainDeadline)
    {
        Interlocked.Exchange(ref _requestedDrainDeadline, drainDeadline);
        _stopRequested = true;
        Wake();
    }

    /// <summary>Reset every connection now.</summary>
    public void RequestAbort()
    {
        _abortRequested = true;
        Wake();
    }

    private void Wake() => _eventFd.Signal();

    private void Run()
    {
        try
        {
            _now = Stopwatch.GetTimestamp();
            _nextScan = _now + _settings.ScanTicks;
            _started.TrySetResult();
            RunCore();
        }
        catch (Exception ex)
        {
            EventLoopLog.LoopCrashed(_settings.Logger, _index, ex);
            FatalErrors.Report($"eventloop {_index}", ex);
        }
        finally
        {
            _started.TrySetResult();
            CloseListener();
            for (var i = 0; i < _slotCount; i++)
            {
                if (_slots[i] is { IsOpen: true } c)
                {
                    Abort(c);
                }
            }

            _completed.TrySetResult();
        }
    }

    private void RunCore()
    {
        while (true)
        {
            _settings.Context.Hooks?.LoopTurn?.Invoke();
            var n = _epfd.Wait(_events, LoopSettings.MaxEvents, NextTimeoutMs());
            if (n < 0)
            {
                var errno = -n;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                EventLoopLog.SyscallFailed(_settings.Logger, _index, errno, "epoll_wait");
                return;
            }

            _now = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                var token = EpollEvent.Data(_events, i);
                if (token == ListenerToken)
                {
                    AcceptBatch();
                }
                else if (token == WakeToken)
                {
                    OnWake();
                }
                else
                {
                    OnConnectionEvent(token, EpollEvent.Events(_events, i));
                }
            }

            RunTimers();
            if (TrackAllocations)
            {
                Interlocked.Exchange(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }

            if (_stopping && _open == 0)
            {
                return;
            }
        }
    }

    private void OnConnectionEvent(ulong token, uint events)
    {
        var slot = Connection.SlotOf(token);
        if (slot >= _slotCount)
        {
            return;
        }

        var c = _slots[slot];

        // An event queued for a connection closed earlier in this batch (its slot may even hold a new one).
        if (!c.IsOpen || c.Generation != Connection.GenerationOf(token))
        {
            return;
        }

        try
        {
            OnConnectionEvent(c, events);
        }
        catch (Exception ex)
        {
            // A bug must cost one connection, not the loop and everyone on it.
            _settings.Events.Report(ConnectionEvent.Failed, c.IsOpen ? PeerOf(c.Fd) : null, ex);
            if (c.IsOpen)
            {
                Abort(c);
            }
        }
    }

    private void OnConnectionEvent(Connection c, uint events)
    {
        const uint ErrorOrHangUp = LinuxConstants.EpollErr | LinuxConstants.EpollHup;
        if (c.Lingering)
        {
            DiscardInput(c);
        }
        else if (c.Deferred)
        {
            // Not registered for anything, but epoll always reports errors; the reply can no longer be delivered.
            if ((events & ErrorOrHangUp) != 0)
            {
                Abort(c);
            }
        }
        else if (c.HasPendingOutput)
        {
            if ((events & (LinuxConstants.EpollOut | ErrorOrHangUp)) != 0)
            {
                OnWritable(c);
            }
        }
        else if ((events & (LinuxConstants.EpollIn | ErrorOrHangUp)) != 0)
        {
            OnReadable(c);
        }
    }

    private void OnWake()
    {
        _eventFd.Drain();
        if (_stopRequested && !_stopping)
        {
            BeginStop(Interlocked.Read(ref _requestedDrainDeadline));
        }

        if (_abortRequested)
        {
            _stopping = true;
            CloseListener();
            AbortAll();
        }
    }

    private void Register(SafeHandle target, uint events, ulong token)
    {
        var errno = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlAdd, target, events, token);
        if (errno != 0)
        {
            throw Errno.ToSocketException(errno, "epoll_ctl(ADD)");
        }
    }

    private void SetInterest(Connection c, uint events)
    {
        if (c.Interest == events)
        {
            return;
        }

        var errno = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, c.Fd, events, c.Token);
        if (errno != 0)
        {
            EventLoopLog.SyscallFailed(_settings.Logger, _index, errno, "epoll_ctl(MOD)");
            Abort(c);
            return;
        }

        CountBackpressure(c.Interest, events);
        c.Interest = events;
    }

    private void CountBackpressure(uint before, uint after)
    {
        if (before == LinuxConstants.EpollOut)
        {
            Volatile.Write(ref _backpressured, _backpressured - 1);
        }

        if (after == LinuxConstants.EpollOut)
        {
            Volatile.Write(ref _backpressured, _backpressured + 1);
        }
    }

    private void CloseListener()
    {
        if (!_listening)
        {
            return;
        }

        _listening = false;
        _acceptResumeAt = 0;
        EpollEvent.Control(_epfd, LinuxConstants.EpollCtlDel, _listenerFd, 0, 0);
        _listener.Dispose();
    }

    private byte[] RentBuffer(int holds)
    {
        Volatile.Write(ref _buffered, _buffered + 1);
        return ArrayPool<byte>.Shared.Rent(Math.Max(holds, LoopSettings.MinBufferSize));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener.Dispose();
        _eventFd.Dispose();
        _epfd.Dispose();
        NativeMemory.Free(_events);
        NativeMemory.AlignedFree(_scratch);
    }
}
