using System.Diagnostics;
using EchoServers.Load.Engine.Interop;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The open model's sender: one dedicated thread that walks the <see cref="RateSchedule"/>, queues each message on
/// the next live connection (round robin) at the moment it is due, and writes every connection's queued messages in
/// one send. It waits by sleeping (1 ns timer slack) until shortly before the next due time and spinning the rest,
/// never with Task.Delay. A message's latency runs from when it was due, so a stalled server cannot hide the wait
/// (no coordinated omission); how late the pacer itself sent is recorded as send lateness.
/// </summary>
internal sealed class Pacer
{
    /// <summary>
    /// Below this, waiting spins (yielding the core); above it, the pacer sleeps until this close. With a single core
    /// spinning would starve the I/O thread it shares the core with, so there it only sleeps (1 ns timer slack).
    /// </summary>
    private static readonly long SpinTicks = Environment.ProcessorCount > 1 ? Stopwatch.Frequency / 20_000 : 0;

    private readonly RunContext _run;
    private readonly LoadConnection[] _connections;
    private readonly RateSchedule _schedule;
    private readonly List<LoadConnection> _dirty;
    private int _next;
    private Thread? _thread;

    public Pacer(RunContext run, LoadConnection[] connections, RateSchedule schedule)
    {
        _run = run;
        _connections = connections;
        _schedule = schedule;
        _dirty = new List<LoadConnection>(connections.Length);
    }

    public WorkerCounters Counters { get; } = new();

    /// <summary>Send lateness (actual − intended send time) of every message, read each second.</summary>
    public Recorder LatenessInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Send lateness of measured messages.</summary>
    public LongHistogram Lateness { get; } = Histograms.Create();

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start()
    {
        _thread = new Thread(ThreadMain) { IsBackground = true, Name = "echo-load pacer", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    private void ThreadMain()
    {
        try
        {
            Native.MinimiseTimerSlack();
            Run();
            Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
        finally
        {
            _run.PacerDone = true;
        }
    }

    private void Run()
    {
        var due = DueTs(_schedule.Next());
        while (!_run.Abort && due < _run.SendStopTs)
        {
            var now = Stopwatch.GetTimestamp();
            if (due > now)
            {
                if (_dirty.Count > 0)
                {
                    Flush();
                    continue;
                }

                WaitUntil(due, now);
                continue;
            }

            var connection = NextLive();
            if (connection is null)
            {
                break;
            }

            Queue(connection, due);
            due = DueTs(_schedule.Next());
            if (due > now || _dirty.Count >= 64)
            {
                Flush();
            }
        }

        while (_dirty.Count > 0 && !_run.Abort && Stopwatch.GetTimestamp() < _run.DrainDeadlineTs)
        {
            Flush();
            if (_dirty.Count > 0)
            {
                Native.SleepNanoseconds(50_000);
            }
        }
    }

    private long DueTs(double seconds) =>
        double.IsPositiveInfinity(seconds) ? long.MaxValue : _run.LoadStartTs + RunContext.SecondsToTicks(seconds);

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
        connection.CommitPending(LoadConnection.WriteMessage(_run.Framer, span, connection.Id, seq, size));
        Counters.Sent++;
        if (_run.IsMeasured(due))
        {
            Counters.MeasuredSent++;
        }

        if (!connection.Dirty)
        {
            connection.Dirty = true;
            _dirty.Add(connection);
        }
    }

    private void Flush()
    {
        var now = Stopwatch.GetTimestamp();
        for (var i = _dirty.Count - 1; i >= 0; i--)
        {
            var connection = _dirty[i];
            if (!connection.Dead)
            {
                Stamp(connection, now);
                if (connection.TryFlushPending(out _) && connection.HasPending)
                {
                    continue;
                }
            }

            // Flushed, or broken (its I/O thread sees the reset and counts what was outstanding).
            connection.Dirty = false;
            _dirty[i] = _dirty[^1];
            _dirty.RemoveAt(_dirty.Count - 1);
        }
    }

    /// <summary>Records the actual send time of each message queued on <paramref name="connection"/> since its last write.</summary>
    private void Stamp(LoadConnection connection, long now)
    {
        var end = connection.NextSeq;
        for (var seq = connection.FirstUnstamped; seq != end; seq++)
        {
            var intended = connection.IntendedOf(seq);
            connection.SetSent(seq, now);
            var lateUs = Histograms.Clamp(RunContext.TicksToUs(now - intended));
            LatenessInterval.RecordValue(lateUs);
            if (_run.IsMeasured(intended))
            {
                Lateness.RecordValue(lateUs);
            }
        }

        connection.FirstUnstamped = end;
    }

    private LoadConnection? NextLive()
    {
        for (var tries = 0; tries < _connections.Length; tries++)
        {
            var connection = _connections[_next];
            _next = _next + 1 == _connections.Length ? 0 : _next + 1;
            if (!connection.Dead)
            {
                return connection;
            }
        }

        return null;
    }

    private static void WaitUntil(long due, long now)
    {
        var remaining = due - now;
        if (remaining > SpinTicks)
        {
            Native.SleepNanoseconds((remaining - SpinTicks) * 1_000_000_000 / Stopwatch.Frequency);
            return;
        }

        // Close to the due time: give the core to an I/O thread if one is ready, otherwise spin.
        if (!Thread.Yield())
        {
            Thread.SpinWait(20);
        }
    }
}
