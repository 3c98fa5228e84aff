using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Epoll;
using EchoServers.Servers.Hosting;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// One event loop: a dedicated thread, one epoll set, one SO_REUSEPORT listener and the connections it accepted.
/// Level triggered, one recv and one send per readiness event, backpressure through EPOLLOUT: the shape of the C
/// reference. This class is the thread and its dispatch; accepting (<see cref="LoopAcceptor"/>), the connections'
/// I/O (<see cref="ConnectionIo"/>, <see cref="ConnectionWriter"/>, <see cref="LoopConnections"/>) and time (<see cref="LoopTimers"/>) are each their
/// own. Everything runs on the loop thread except <see cref="RequestStop"/>/<see cref="RequestAbort"/>, which only
/// set flags and wake it.
/// </summary>
internal sealed unsafe class EventLoopThread : IDisposable
{
    private readonly int _index;
    private readonly LoopSettings _settings;
    private readonly EpollSet _epoll;
    private readonly byte* _scratch;
    private readonly LoopConnections _connections;
    private readonly ConnectionIo _io;
    private readonly ConnectionWriter _writer;
    private readonly LoopAcceptor _acceptor;
    private readonly LoopTimers _timers;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _requestedDrainDeadline;
    private volatile bool _stopRequested;
    private volatile bool _abortRequested;
    private long _allocatedBytes;
    private bool _disposed;

    public EventLoopThread(int index, Socket listener, LoopSettings settings)
    {
        _index = index;
        _settings = settings;
        _epoll = new EpollSet();
        _scratch = (byte*)NativeMemory.AlignedAlloc(LoopSettings.ReadSize, 64);
        _connections = new LoopConnections(index, settings, _epoll, _scratch);
        _writer = new ConnectionWriter(_connections);
        _io = new ConnectionIo(settings, _connections, _writer, _scratch);
        try
        {
            _acceptor = new LoopAcceptor(listener, settings, _epoll, _connections);
        }
        catch
        {
            listener.Dispose();
            _epoll.Dispose();
            NativeMemory.AlignedFree(_scratch);
            throw;
        }

        _timers = new LoopTimers(index, settings, _connections, _io, _writer, _acceptor);
        _thread = new Thread(Run) { IsBackground = true, Name = $"eventloop-{index}" };
    }

    /// <summary>Completes once the loop is waiting for events.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the thread has ended (after stop, or a crash).</summary>
    public Task Completed => _completed.Task;

    /// <summary>Connections this loop accepted (tests check that SO_REUSEPORT spreads them).</summary>
    public long AcceptedCount => _acceptor.AcceptedCount;

    /// <summary>Connections not being read because their replies wait for EPOLLOUT (tests watch backpressure with it).</summary>
    public int BackpressuredCount => _connections.BackpressuredCount;

    /// <summary>Connections holding a buffer of their own (a partial frame or unsent replies); tests watch partial frames with it.</summary>
    public int BufferedCount => _connections.BufferedCount;

    /// <summary>Bytes the loop thread has allocated, sampled after every batch when <see cref="TrackAllocations"/> is on.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Test hook: sample the loop thread's allocation counter after every epoll batch.</summary>
    public bool TrackAllocations { get; set; }

    public void Start() => _thread.Start();

    /// <summary>Stop accepting now; serve open connections until <paramref name="drainDeadline"/> (a <see cref="LoopClock"/> timestamp).</summary>
    public void RequestStop(long drainDeadline)
    {
        Interlocked.Exchange(ref _requestedDrainDeadline, drainDeadline);
        _stopRequested = true;
        _epoll.Wake();
    }

    /// <summary>Reset every connection now.</summary>
    public void RequestAbort()
    {
        _abortRequested = true;
        _epoll.Wake();
    }

    private void Run()
    {
        try
        {
            _connections.Now = LoopClock.Now;
            _timers.Start(_connections.Now);
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
            _acceptor.Close();
            _connections.AbortAll(count: false);
            _completed.TrySetResult();
        }
    }

    private void RunCore()
    {
        var stopped = false;
        while (!stopped)
        {
            _settings.Context.Hooks?.LoopTurn?.Invoke();
            var n = _epoll.Wait(_timers.NextTimeoutMs());
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

            _connections.Now = LoopClock.Now;
            for (var i = 0; i < n; i++)
            {
                var token = _epoll.Token(i);
                if (token == LoopAcceptor.ListenerToken)
                {
                    _acceptor.AcceptBatch();
                }
                else if (token == EpollSet.WakeToken)
                {
                    OnWake();
                }
                else
                {
                    _io.OnConnectionEvent(token, _epoll.Events(i));
                }
            }

            _timers.Run();
            if (TrackAllocations)
            {
                Interlocked.Exchange(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }

            stopped = _timers.Stopping && _connections.Open == 0;
        }
    }

    private void OnWake()
    {
        _epoll.DrainWake();
        if (_stopRequested && !_timers.Stopping)
        {
            _timers.BeginStop(Interlocked.Read(ref _requestedDrainDeadline));
        }

        if (_abortRequested)
        {
            _timers.Abort();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _acceptor.Dispose();
        _epoll.Dispose();
        NativeMemory.AlignedFree(_scratch);
    }
}
