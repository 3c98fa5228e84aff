using System.Diagnostics;

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
internal sealed class LoopPacer
{
    private static readonly long MaxWaitNs = IoLoop.WaitMs * 1_000_000L;

    private readonly IoLoop _loop;
    private readonly RunContext _run;

    // Connections with messages queued in this pass; sized for every connection of the loop, so it never grows.
    private List<LoadConnection> _dirty = [];
    private RateSchedule? _schedule;
    private long _due = long.MaxValue;
    private int _nextConnection;

    // A message is due but this loop has no connection yet (immediate start): sleep until one arrives, do not spin.
    private bool _awaitingConnection;

    public LoopPacer(IoLoop loop)
    {
        _loop = loop;
        _run = loop.Run;
    }

    /// <summary>True once this loop has no message left to send and nothing queued.</summary>
    public bool Done => (_due == long.MaxValue || _due >= _run.SendStopTs) && _dirty.Count == 0;

    /// <summary>Starts the open model's schedule for this loop.</summary>
    public void UseSchedule(RateSchedule schedule)
    {
        _schedule = schedule;
        _dirty = new List<LoadConnection>(_loop.Capacity);
        for (var i = 0; i < _loop.Index; i++)
        {
            schedule.Next();
        }

        _due = DueTs(schedule.Next());
    }

    /// <summary>How long epoll may sleep: until shortly before the next message is due, at most 2 ms.</summary>
    public long WaitNs(long now)
    {
        if (_due == long.MaxValue || _due >= _run.SendStopTs || _awaitingConnection)
        {
            return MaxWaitNs;
        }

        var ticks = _due - now - _run.SpinTicks;
        return ticks <= 0 ? 0 : Math.Min(MaxWaitNs, ticks * 1_000_000_000 / Stopwatch.Frequency);
    }

    /// <summary>Claims every message due by <paramref name="now"/> and writes each connection's claimed messages in one send.</summary>
    public void SendDue(long now)
    {
        _awaitingConnection = false;
        while (_due <= now && _due < _run.SendStopTs)
        {
            // Read before the connections: read after, the connect thread could add this loop's connections and
            // finish between the two reads, and a schedule with connections to send on would be dropped.
            var connectingDone = _run.ConnectingDone;
            var connection = NextLive();
            if (connection is null || (!connectingDone && connection.Outstanding >= connection.Window))
            {
                if (!connectingDone)
                {
                    // Immediate start, no connection with room up yet: the message stays due and goes (late, and
                    // measured from its due time) on the next connection to arrive or to get a reply, whose event
                    // wakes this thread — not as overflow on the few first connections, while thousands still open.
                    _awaitingConnection = true;
                    break;
                }

                _due = long.MaxValue;
                break;
            }

            Queue(connection, _due);
            for (var skip = 1; skip < _loop.LoopCount; skip++)
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
            if (!connection.Dead && !connection.WaitingToWrite)
            {
                // Dead: already counted. Waiting: EPOLLOUT will write (and stamp) what is queued.
                _loop.Sender.WriteQueued(connection, sentAt);
            }
        }

        _dirty.Clear();
    }

    private long DueTs(double seconds) =>
        double.IsPositiveInfinity(seconds) ? long.MaxValue : _run.LoadStartTs + RunContext.SecondsToTicks(seconds);

    private void Queue(LoadConnection connection, long due)
    {
        if (connection.Outstanding >= connection.Window)
        {
            _loop.Counters.Overflow++;
            return;
        }

        // Claimed only: its bytes are generated when the connection is written, at the end of this pass.
        connection.Claim(due, due);
        _loop.Counters.Sent++;
        if (!connection.Dirty)
        {
            connection.Dirty = true;
            _dirty.Add(connection);
        }
    }

    /// <summary>
    /// The next live connection, round robin, preferring one with room in its window: a connection still waiting for
    /// its replies (a server busy accepting the rest of a connect storm) passes its turn to the next, so a message
    /// overflows only when the connections looked at are all full. At most <see cref="RunContext.MaxFullSkips"/> full
    /// ones are passed over, so a server that answers nobody costs a bounded scan per message.
    /// </summary>
    private LoadConnection? NextLive()
    {
        var connections = _loop.Connections;
        var count = connections.Length;
        LoadConnection? full = null;
        var skipped = 0;
        for (var tries = 0; tries < count; tries++)
        {
            if (_nextConnection >= count)
            {
                _nextConnection = 0;
            }

            var connection = connections[_nextConnection];
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
