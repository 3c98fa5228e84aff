using System.Diagnostics;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Load.Measurement;
using EchoServers.Protocol.Framing;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// One I/O thread: an epoll set over its share of the connections. Reads replies, checks them in place, records
/// latency and, in the closed model, sends the next messages of a connection in one write. No allocation per
/// message: buffers are per thread, payloads are generated, histograms are preallocated.
/// </summary>
internal sealed unsafe partial class IoLoop : ILoadWorker, IDisposable
{
    private const int MaxEvents = 256;
    private const int WaitMs = 2;
    private static readonly long HousekeepingTicks = Stopwatch.Frequency / 100;
    private static readonly long TimeoutScanTicks = Stopwatch.Frequency / 20;

    private readonly RunContext _run;
    // Filled up to _count, possibly by the connect thread while this loop runs (immediate start): a slot is written
    // before the count is published and before epoll can report the socket, so this thread never sees a null.
    private readonly LoadConnection[] _connections;
    private int _count;
    private readonly SafeEpollHandle _epfd;
    private readonly byte* _events;
    private readonly byte[] _readBuffer;
    private readonly byte[] _writeBuffer;
    private readonly SpanFramer _framer;
    private readonly PendingBuffers _pendingBuffers = new();
    private int _writeLength;
    private int _activeTarget;
    private long _nextTimeoutScan;
    private readonly int _loopCount;
    private Thread? _thread;

    public IoLoop(RunContext run, int index, int count, int capacity)
    {
        _connections = new LoadConnection[Math.Max(1, capacity)];
        _run = run;
        Index = index;
        _loopCount = count;
        _framer = run.Framer;
        _epfd = SafeEpollHandle.Create();
        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollEvent.Size));
        _readBuffer = new byte[run.CarrySize + (64 * 1024)];
        _writeBuffer = new byte[Math.Max(64 * 1024, run.MaxWire * 2)];
    }

    public int Index { get; }

    public WorkerCounters Counters { get; } = new();

    /// <summary>Latency of every reply, read each second by the reporter.</summary>
    public Recorder LatencyInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Latency (from the intended send time) of measured messages.</summary>
    public LongHistogram Latency { get; } = Histograms.Create();

    /// <summary>Service time (from the actual send) of measured messages.</summary>
    public LongHistogram Service { get; } = Histograms.Create();

    /// <summary>Each connection's time from its connect start to its first correct reply, whatever the window.</summary>
    public LongHistogram FirstReply { get; } = Histograms.Create();

    /// <summary>The connections added so far.</summary>
    public ReadOnlySpan<LoadConnection> Connections => _connections.AsSpan(0, Volatile.Read(ref _count));

    /// <summary>Bytes this I/O thread allocated over the whole run (warm-up included): the proof of no allocation per message.</summary>
    public long AllocatedBytes { get; private set; }

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
        ChurnRules.ArmLifetime(_run, connection, connection.EstablishedTs);
        _connections[slot] = connection;
        Volatile.Write(ref _count, slot + 1);
        var events = LinuxConstants.EpollIn | LinuxConstants.EpollRdHup | (_run.Immediate ? LinuxConstants.EpollOut : 0);
        var errno = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlAdd, connection.Fd, events, (ulong)slot);
        if (errno != 0)
        {
            throw Errno.ToSocketException(errno, "epoll_ctl(ADD)");
        }
    }

    public void Start()
    {
        _thread = new Thread(ThreadMain) { IsBackground = true, Name = $"echo-load io {Index}" };
        _thread.Start();
    }

    private void ThreadMain()
    {
        try
        {
            // The open model sleeps until each message is due: without this the kernel may add 50 µs to every sleep.
            PreciseSleep.MinimiseTimerSlack();
            Run();
            Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
    }

    private void Run()
    {
        var allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        var nextHousekeeping = 0L;
        while (!_run.Abort)
        {
            var n = _run.IsOpen
                ? _epfd.WaitNanoseconds(_events, MaxEvents, OpenWaitNs(Stopwatch.GetTimestamp()))
                : _epfd.Wait(_events, MaxEvents, WaitMs);
            var now = Stopwatch.GetTimestamp();
            if (n < 0)
            {
                var errno = -n;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw Errno.ToSocketException(errno, "epoll_wait");
            }

            for (var i = 0; i < n; i++)
            {
                var connection = _connections[(int)EpollEvent.Data(_events, i)];
                if (connection.Connecting)
                {
                    OnConnectEvent(connection, now);
                    continue;
                }

                if (connection.Dead)
                {
                    continue;
                }

                var mask = EpollEvent.Events(_events, i);
                if ((mask & LinuxConstants.EpollOut) != 0 && (connection.Started || !_run.Immediate || !StartConnection(connection, now)))
                {
                    OnWritable(connection);
                }

                if (!connection.Dead && (mask & (LinuxConstants.EpollIn | LinuxConstants.EpollHup | LinuxConstants.EpollErr | LinuxConstants.EpollRdHup)) != 0)
                {
                    OnReadable(connection, now);
                }
            }

            if (_run.IsOpen)
            {
                SendDue(Stopwatch.GetTimestamp());
            }

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

        AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
    }

    /// <summary>Starts idle connections that became active, times out stuck ones; returns true when this loop is done.</summary>
    private bool Housekeeping(long now)
    {
        if (_run.Churn)
        {
            ChurnHousekeeping(now);
        }

        if (!_run.IsOpen)
        {
            var target = _run.ActiveTargetAt(now);
            var changed = target != _activeTarget;
            _activeTarget = target;
            if (changed || now >= _nextTimeoutScan)
            {
                foreach (var connection in Connections)
                {
                    if (!connection.Dead && connection.Outstanding == 0 && connection.Index < target && (connection.Started || !_run.Immediate))
                    {
                        TopUp(connection, now);
                    }
                }
            }
        }

        if (now >= _nextTimeoutScan)
        {
            _nextTimeoutScan = now + TimeoutScanTicks;
            foreach (var connection in Connections)
            {
                if (!connection.Dead && connection.Outstanding > 0
                    && now - connection.IntendedOf(connection.NextExpected) > _run.TimeoutTicks)
                {
                    Fail(connection, ref Counters.Timeout, atLeastOne: true);
                }
            }
        }

        if (now < _run.SendStopTs || (_run.IsOpen && !OpenDone))
        {
            return false;
        }

        if (now >= _run.DrainDeadlineTs)
        {
            return true;
        }

        if (!_run.ConnectingDone)
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

    /// <summary>
    /// Immediate start: the first EPOLLOUT of a new connection. Stops asking for EPOLLOUT (unless output is pending)
    /// and, in the closed model, sends its first messages now, while other connections may still be connecting.
    /// Returns true when the event was only this start.
    /// </summary>
    private bool StartConnection(LoadConnection connection, long now)
    {
        connection.Started = true;
        if (_run.IsMeasured(connection.EstablishedTs))
        {
            Counters.MeasuredConnects++;
        }

        if (!connection.WaitingToWrite)
        {
            _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, connection.Fd, LinuxConstants.EpollIn | LinuxConstants.EpollRdHup, (ulong)connection.Slot);
        }

        if (!_run.IsOpen)
        {
            _activeTarget = _run.ActiveTargetAt(now);
            TopUp(connection, now);
            return true;
        }

        return !connection.WaitingToWrite;
    }

    /// <summary>Closed model: fills the connection's pipeline and writes the new messages in one send.</summary>
    private void TopUp(LoadConnection connection, long now)
    {
        if (connection.Dead || now >= _run.SendStopTs || connection.Index >= _activeTarget)
        {
            return;
        }

        var limit = Math.Min(_run.Pipeline, connection.Window);
        var room = _run.Churn ? ChurnRules.RoomOnConnection(_run, connection, now) : int.MaxValue;
        var measured = _run.IsMeasured(now);
        while (connection.Outstanding < limit && room-- > 0)
        {
            connection.SentOnConnection++;
            var seq = connection.Claim(now, now);
            var size = _run.Sizes.SizeOf(connection.Id, seq);
            if (_writeLength + size + _run.Overhead > _writeBuffer.Length && !FlushWrite(connection))
            {
                return;
            }

            _writeLength += LoadConnection.WriteMessage(_framer, _writeBuffer.AsSpan(_writeLength), connection.Id, seq, size);
            Counters.Sent++;
            if (measured)
            {
                Counters.MeasuredSent++;
            }
        }

        FlushWrite(connection);
    }

    private bool FlushWrite(LoadConnection connection)
    {
        var length = _writeLength;
        _writeLength = 0;
        if (length == 0)
        {
            return true;
        }

        if (connection.HasPending)
        {
            connection.AppendPending(_writeBuffer.AsSpan(0, length));
            return true;
        }

        var offset = 0;
        while (offset < length)
        {
            nint n;
            fixed (byte* p = &_writeBuffer[offset])
            {
                n = LibC.Send(connection.Fd, p, (nuint)(length - offset), LinuxConstants.MsgNoSignal | LinuxConstants.MsgDontWait);
            }

            if (n >= 0)
            {
                offset += (int)n;
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (errno == Errno.EAGAIN)
            {
                // The socket buffer is full: keep the rest and ask epoll to say when it drains.
                connection.AppendPending(_writeBuffer.AsSpan(offset, length - offset));
                connection.WaitingToWrite = true;
                _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, connection.Fd, LinuxConstants.EpollIn | LinuxConstants.EpollOut | LinuxConstants.EpollRdHup, (ulong)SlotOf(connection));
                return true;
            }

            Fail(connection, ref Counters.Reset, atLeastOne: true);
            return false;
        }

        return true;
    }

    private void OnWritable(LoadConnection connection)
    {
        if (_run.IsOpen)
        {
            StampQueued(connection, Stopwatch.GetTimestamp());
        }

        if (!connection.TryFlushPending(out _))
        {
            Fail(connection, ref Counters.Reset, atLeastOne: true);
            return;
        }

        if (!connection.HasPending && connection.WaitingToWrite)
        {
            connection.WaitingToWrite = false;
            _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, connection.Fd, LinuxConstants.EpollIn | LinuxConstants.EpollRdHup, (ulong)SlotOf(connection));
        }
    }

    private void OnReadable(LoadConnection connection, long now)
    {
        var carry = connection.Carry;
        var kept = carry.Length;
        carry.CopyTo(_readBuffer);
        nint n;
        fixed (byte* p = &_readBuffer[kept])
        {
            n = LibC.Recv(connection.Fd, p, (nuint)(_readBuffer.Length - kept), LinuxConstants.MsgDontWait);
        }

        if (n > 0)
        {
            var data = _readBuffer.AsSpan(0, kept + (int)n);
            if (ChurnRules.RefusedBeforeReply(_run, connection, data))
            {
                ConnectFailed(connection, ConnectFailure.Refused, now);
                return;
            }

            var consumed = ReplyReader.Process(_run, connection, this, data, now, out var broken);
            if (broken)
            {
                // An oversized or malformed frame: the stream cannot be resynchronised, every outstanding reply is lost.
                Fail(connection, ref Counters.Mismatch, atLeastOne: true);
                return;
            }

            if (_run.Churn && ChurnRules.DoneWithConnection(_run, connection, now))
            {
                Recycle(connection, now);
                return;
            }

            connection.SetCarry(data[consumed..]);
            if (!_run.IsOpen)
            {
                TopUp(connection, now);
            }

            return;
        }

        if (n == 0)
        {
            if (_run.Churn && connection.RepliesOnConnection == 0)
            {
                // Closed before answering anything on this connection: the server turned it away.
                ConnectFailed(connection, ConnectFailure.Refused, now);
                return;
            }

            Fail(connection, ref Counters.Eof, atLeastOne: now < _run.SendStopTs);
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EAGAIN or Errno.EINTR)
        {
            return;
        }

        if (_run.Churn && connection.RepliesOnConnection == 0)
        {
            ConnectFailed(connection, ConnectFailures.FromErrno(errno) == ConnectFailure.Refused ? ConnectFailure.Refused : ConnectFailure.Reset, now);
            return;
        }

        Fail(connection, ref Counters.Reset, atLeastOne: true);
    }

    /// <summary>Marks the connection failed and counts its outstanding messages as lost to <paramref name="counter"/>.</summary>
    private void Fail(LoadConnection connection, ref long counter, bool atLeastOne)
    {
        var lost = connection.Outstanding;
        counter += atLeastOne ? Math.Max(1, lost) : lost;
        connection.Dead = true;
        _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlDel, connection.Fd, 0, 0);
        if (_run.Churn)
        {
            AfterFailure(connection, Now());
        }
    }

    private static int SlotOf(LoadConnection connection) => connection.Slot;

    public void Dispose()
    {
        CloseOwnSockets();
        _epfd.Dispose();
        NativeMemory.Free(_events);
    }
}
