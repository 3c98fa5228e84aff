using System.Diagnostics;
using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// One I/O thread of the epoll engine: an epoll set over its share of the connections, the wait, the dispatch of
/// each event and the periodic housekeeping (ramps, timeouts, the end of the run). What happens on an event belongs
/// to one part each: the send side (<see cref="LoopSender"/>), the receive side (<see cref="LoopReceiver"/>), churn
/// (<see cref="LoopChurn"/>) and the open model's schedule (<see cref="LoopPacer"/>). No allocation per message or per
/// established connection: buffers are per thread, payloads are generated, histograms are preallocated.
/// </summary>
internal sealed unsafe class IoLoop : WorkerRecords, IDisposable
{
    private const int MaxEvents = 256;
    private static readonly long HousekeepingTicks = Stopwatch.Frequency / 100;
    private static readonly long TimeoutScanTicks = Stopwatch.Frequency / 20;

    // Filled up to _count, possibly by the connect thread while this loop runs (immediate start): a slot is written
    // before the count is published and before epoll can report the socket, so this thread never sees a null.
    private readonly LoadConnection[] _connections;
    private int _count;
    private readonly byte* _events;
    private readonly PendingBuffers _pendingBuffers = new();
    private long _nextTimeoutScan;
    private long _allocatedBytes;
    private Thread? _thread;

    public IoLoop(RunContext run, int index, int count, int capacity)
    {
        _connections = new LoadConnection[Math.Max(1, capacity)];
        Run = run;
        Index = index;
        LoopCount = count;
        Epoll = SafeEpollHandle.Create();
        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollEvent.Size));
        Sender = new LoopSender(this);
        Receiver = new LoopReceiver(this);
        Churn = new LoopChurn(this);
        Pacer = new LoopPacer(this);
    }

    /// <summary>Longest epoll wait, ms: the housekeeping's period bound.</summary>
    public const int WaitMs = 2;

    public RunContext Run { get; }

    public int Index { get; }

    /// <summary>Connections this loop can hold.</summary>
    public int Capacity => _connections.Length;

    /// <summary>I/O threads in the run (the open model's schedule is dealt out round robin over them).</summary>
    public int LoopCount { get; }

    public SafeEpollHandle Epoll { get; }

    public LoopSender Sender { get; }

    public LoopReceiver Receiver { get; }

    public LoopChurn Churn { get; }

    public LoopPacer Pacer { get; }

    /// <summary>The connections added so far.</summary>
    public ReadOnlySpan<LoadConnection> Connections => _connections.AsSpan(0, Volatile.Read(ref _count));

    /// <summary>Bytes this I/O thread allocated over the whole run (warm-up included).</summary>
    public override long AllocatedBytes => _allocatedBytes;

    /// <summary>Bytes this I/O thread allocated inside the measured window, and the replies it took in meanwhile.</summary>
    public override AllocationWindow AllocationWindow { get; } = new();

    /// <summary>Completes when the thread has finished (faults if it crashed).</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Adds a connection: before <see cref="Start"/>, or (immediate start) from the connect thread while this loop
    /// runs; one writer at a time. With immediate start it is registered for EPOLLOUT too: a new socket is writable at
    /// once, so epoll wakes this thread right away to send its first messages (no polling for new arrivals).
    /// </summary>
    public void Add(LoadConnection connection)
    {
        var slot = _count;
        connection.Slot = slot;
        connection.PendingBuffers = _pendingBuffers;
        ChurnRules.ArmLifetime(Run, connection, connection.EstablishedTs);
        _connections[slot] = connection;
        Volatile.Write(ref _count, slot + 1);
        var events = LinuxConstants.EpollIn | LinuxConstants.EpollRdHup | (Run.Immediate ? LinuxConstants.EpollOut : 0);
        var errno = EpollEvent.Control(Epoll, LinuxConstants.EpollCtlAdd, connection.Fd, events, (ulong)slot);
        if (errno != 0)
        {
            throw Errno.ToSocketException(errno, "epoll_ctl(ADD)");
        }
    }

    /// <summary>Starts the open model's schedule for this loop (before <see cref="Start"/>).</summary>
    public void UseSchedule(RateSchedule schedule) => Pacer.UseSchedule(schedule);

    public void Start()
    {
        _thread = new Thread(ThreadMain) { IsBackground = true, Name = $"echo-load io {Index}" };
        _thread.Start();
    }

    /// <summary>Asks epoll for EPOLLIN only, or for EPOLLOUT too (output waiting, or a connect in progress).</summary>
    public void Watch(LoadConnection connection, bool writable) =>
        _ = EpollEvent.Control(Epoll, LinuxConstants.EpollCtlMod, connection.Fd,
            LinuxConstants.EpollIn | LinuxConstants.EpollRdHup | (writable ? LinuxConstants.EpollOut : 0), (ulong)connection.Slot);

    /// <summary>Marks the connection failed and counts its outstanding messages as lost to <paramref name="counter"/>.</summary>
    public void Fail(LoadConnection connection, ref long counter, bool atLeastOne)
    {
        var lost = connection.Outstanding;
        counter += atLeastOne ? Math.Max(1, lost) : lost;
        connection.Dead = true;
        _ = EpollEvent.Control(Epoll, LinuxConstants.EpollCtlDel, connection.Fd, 0, 0);
        if (Run.Churn)
        {
            Churn.AfterFailure(connection, Stopwatch.GetTimestamp());
        }
    }

    private void ThreadMain()
    {
        try
        {
            // The open model sleeps until each message is due: without this the kernel may add 50 µs to every sleep.
            PreciseSleep.MinimiseTimerSlack();
            Loop();
            Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
    }

    private void Loop()
    {
        var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        var nextHousekeeping = 0L;
        while (!Run.Abort)
        {
            var n = Run.IsOpen
                ? Epoll.WaitNanoseconds(_events, MaxEvents, Pacer.WaitNs(Stopwatch.GetTimestamp()))
                : Epoll.Wait(_events, MaxEvents, WaitMs);
            var now = Stopwatch.GetTimestamp();
            if (n < 0)
            {
                if (-n == Errno.EINTR)
                {
                    continue;
                }

                throw Errno.ToSocketException(-n, "epoll_wait");
            }

            for (var i = 0; i < n; i++)
            {
                Dispatch(_connections[(int)EpollEvent.Data(_events, i)], EpollEvent.Events(_events, i), now);
            }

            if (Run.IsOpen)
            {
                Pacer.SendDue(Stopwatch.GetTimestamp());
            }

            AllocationWindow.Mark(Run, now, Counters.Received);
            if (now >= nextHousekeeping)
            {
                nextHousekeeping = now + HousekeepingTicks;
                if (Housekeeping(now))
                {
                    break;
                }
            }
        }

        foreach (var connection in Connections)
        {
            if (!connection.Dead && connection.Outstanding > 0)
            {
                Counters.Missing += connection.Outstanding;
            }
        }

        _allocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
    }

    private void Dispatch(LoadConnection connection, uint mask, long now)
    {
        if (connection.Connecting)
        {
            Churn.OnConnectEvent(connection, now);
            return;
        }

        if (connection.Dead)
        {
            return;
        }

        if ((mask & LinuxConstants.EpollOut) != 0 && (connection.Started || !Run.Immediate || !Sender.StartConnection(connection, now)))
        {
            Sender.OnWritable(connection);
        }

        if (!connection.Dead && (mask & (LinuxConstants.EpollIn | LinuxConstants.EpollHup | LinuxConstants.EpollErr | LinuxConstants.EpollRdHup)) != 0)
        {
            Receiver.OnReadable(connection, now);
        }
    }

    /// <summary>Starts idle connections that became active, times out stuck ones; returns true when this loop is done.</summary>
    private bool Housekeeping(long now)
    {
        if (Run.Churn)
        {
            Churn.Housekeeping(now);
        }

        var scan = now >= _nextTimeoutScan;
        if (!Run.IsOpen && (Sender.RefreshActiveTarget(now) || scan))
        {
            foreach (var connection in Connections)
            {
                if (!connection.Dead && connection.Outstanding == 0 && (connection.Started || !Run.Immediate))
                {
                    Sender.TopUp(connection, now);
                }
            }
        }

        if (scan)
        {
            _nextTimeoutScan = now + TimeoutScanTicks;
            foreach (var connection in Connections)
            {
                if (!connection.Dead && connection.Outstanding > 0
                    && now - connection.IntendedOf(connection.NextExpected) > Run.TimeoutTicks)
                {
                    Fail(connection, ref Counters.Timeout, atLeastOne: true);
                }
            }
        }

        if (now < Run.SendStopTs || (Run.IsOpen && !Pacer.Done))
        {
            return false;
        }

        if (now >= Run.DrainDeadlineTs)
        {
            return true;
        }

        if (!Run.ConnectingDone)
        {
            // More connections may still be handed over: stay until the connect thread is done.
            return false;
        }

        foreach (var connection in Connections)
        {
            if (!connection.Dead && (connection.Outstanding > 0 || connection.HasPending))
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose()
    {
        Churn.CloseAll();
        Epoll.Dispose();
        NativeMemory.Free(_events);
    }
}
