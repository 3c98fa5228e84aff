using System.Diagnostics;
using EchoServers.Linux;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The open model's sending, done by each I/O thread for its own connections so that no second thread competes for
/// the core and no hand-off sits between "due" and "sent". Loop i of n takes messages i, i+n, i+2n … of the one
/// <see cref="RateSchedule"/>, so together the loops send exactly that schedule (even stays even, Poisson stays
/// Poisson). The thread sleeps in epoll_pwait2 until the next message is due (nanosecond timeout, 1 ns timer slack)
/// and polls the last <c>--spin</c> microseconds instead of sleeping (wake-up latency). Never Task.Delay. A message's
/// latency runs from when it was due, so a stalled server cannot hide the wait (no coordinated omission); how late
/// it actually went out is recorded as send lateness.
/// </summary>
internal sealed unsafe partial class IoLoop
{
    private static readonly long MaxWaitNs = WaitMs * 1_000_000L;

    private readonly List<LoadConnection> _dirty = [];
    private RateSchedule? _schedule;
    private long _due = long.MaxValue;
    private int _nextConnection;

    // A message is due but this loop has no connection yet (immediate start): sleep until one arrives, do not spin.
    private bool _awaitingConnection;

    /// <summary>Send lateness (actual − intended send time) of every message, read each second.</summary>
    public Recorder LatenessInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Send lateness of measured messages.</summary>
    public LongHistogram Lateness { get; } = Histograms.Create();

    /// <summary>True once this loop has no message left to send and nothing queued.</summary>
    private bool OpenDone => (_due == long.MaxValue || _due >= _run.SendStopTs) && _dirty.Count == 0;

    /// <summary>Starts the open model's schedule for this loop (before <see cref="Start"/>).</summary>
    public void UseSchedule(RateSchedule schedule)
    {
        _schedule = schedule;
        for (var i = 0; i < Index; i++)
        {
            schedule.Next();
        }

        _due = DueTs(schedule.Next());
    }

    private long DueTs(double seconds) =>
        double.IsPositiveInfinity(seconds) ? long.MaxValue : _run.LoadStartTs + RunContext.SecondsToTicks(seconds);

    /// <summary>How long epoll may sleep: until shortly before the next message is due, at most 2 ms.</summary>
    private long OpenWaitNs(long now)
    {
        if (_due == long.MaxValue || _due >= _run.SendStopTs || _awaitingConnection)
        {
            return MaxWaitNs;
        }

        var ticks = _due - now - _run.SpinTicks;
        return ticks <= 0 ? 0 : Math.Min(MaxWaitNs, ticks * 1_000_000_000 / Stopwatch.Frequency);
    }

    /// <summary>Queues every message due by <paramref name="now"/> and writes each connection's queue in one send.</summary>
    private void SendDue(long now)
    {
        _awaitingConnection = false;
        while (_due <= now && _due < _run.SendStopTs)
        {
            // Read before the connections: read after, the connect thread could add this loop's connections and
            // finish between the two reads, and a schedule with connections to send on would be dropped.
            var connectingDone = _run.ConnectingDone;
            var connection = NextLive();
            if (connection is null)
            {
                if (!connectingDone)
                {
                    // Immediate start, no connection up yet: the message stays due and goes (late, and measured
                    // from its due time) on the first connection to arrive, whose EPOLLOUT wakes this thread.
                    _awaitingConnection = true;
                    break;
                }

                _due = long.MaxValue;
                break;
            }

            Queue(connection, _due);
            for (var skip = 1; skip < _loopCount; skip++)
            {
                _schedule!.Next();
            }

            _due = DueTs(_schedule!.Next());
        }

        if (_dirty.Count == 0)
        {
            return;
        }

        var sentAt = Stopwatch.GetTimestamp();
        foreach (var connection in _dirty)
        {
            connection.Dirty = false;
            if (connection.Dead || connection.WaitingToWrite)
            {
                // Dead: already counted. Waiting: EPOLLOUT will write (and stamp) what is queued.
                continue;
            }

            StampQueued(connection, sentAt);
            if (!connection.TryFlushPending(out _))
            {
                Fail(connection, ref Counters.Reset, atLeastOne: true);
                continue;
            }

            if (connection.HasPending)
            {
                connection.WaitingToWrite = true;
                _ = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, connection.Fd, LinuxConstants.EpollIn | LinuxConstants.EpollOut | LinuxConstants.EpollRdHup, (ulong)connection.Slot);
            }
        }

        _dirty.Clear();
    }

    private void Queue(LoadConnection connection, long due)
    {
        if (connection.Outstanding >= connection.Window)
        {
            Counters.Overflow++;
            return;
        }

        var seq = connection.Claim(due, due);
        var size = _run.Sizes.SizeOf(connection.Id, seq);
        var span = connection.PendingTail(size + _run.Overhead);
        connection.CommitPending(LoadConnection.WriteMessage(_framer, span, connection.Id, seq, size));
        Counters.Sent++;
        if (!connection.Dirty)
        {
            connection.Dirty = true;
            _dirty.Add(connection);
        }
    }

    /// <summary>Records the actual send time of each message queued on <paramref name="connection"/> since its last write.</summary>
    private void StampQueued(LoadConnection connection, long now) => SendStamps.Record(_run, connection, this, connection.NextSeq, now);

    /// <summary>
    /// The next live connection, round robin, preferring one with room in its window: a connection still waiting for
    /// its replies (a server busy accepting the rest of a connect storm) passes its turn to the next, so a message
    /// overflows only when the connections looked at are all full. At most <see cref="RunContext.MaxFullSkips"/> full
    /// ones are passed over, so a server that answers nobody costs a bounded scan per message.
    /// </summary>
    private LoadConnection? NextLive()
    {
        var count = Volatile.Read(ref _count);
        LoadConnection? full = null;
        var skipped = 0;
        for (var tries = 0; tries < count; tries++)
        {
            if (_nextConnection >= count)
            {
                _nextConnection = 0;
            }

            var connection = _connections[_nextConnection];
            _nextConnection = _nextConnection + 1 == count ? 0 : _nextConnection + 1;
            if (connection.Dead)
            {
                continue;
            }

            if (connection.Outstanding < connection.Window)
            {
                return connection;
            }

            full ??= connection;
            if (++skipped >= RunContext.MaxFullSkips)
            {
                break;
            }
        }

        return full;
    }
}
