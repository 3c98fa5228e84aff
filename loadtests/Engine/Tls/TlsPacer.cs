using System.Diagnostics;
using EchoServers.Linux;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The open model over TLS: one dedicated thread walks the run's <see cref="RateSchedule"/> and, as each message falls
/// due, claims its sequence number on the next open connection (round robin) and wakes that connection's writer,
/// which writes every claimed message in one TLS write and stamps when it went (<see cref="TlsSlot"/>). The thread
/// sleeps until shortly before each due time and polls the last <c>--spin</c> microseconds, as the epoll loops do.
/// A message's latency runs from when it was due (no coordinated omission); a connection whose window is full
/// counts the message as overflow, as the epoll loops count it.
/// </summary>
internal sealed class TlsPacer
{
    private static readonly long MaxSleepTicks = Stopwatch.Frequency / 1000;

    private readonly RunContext _run;
    private readonly TlsSlot[] _slots;
    private readonly RateSchedule _schedule;
    private readonly Func<bool> _connectingDone;
    private readonly Thread _thread;
    private int _next;

    public TlsPacer(RunContext run, TlsSlot[] slots, Func<bool> connectingDone)
    {
        _run = run;
        _slots = slots;
        _connectingDone = connectingDone;
        _schedule = new RateSchedule(run.Profile, run.Options.Arrival, run.Options.Seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "echo-load tls pacer" };
    }

    /// <summary>Completes when the schedule is sent (or the run aborted).</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Start() => _thread.Start();

    private void Run()
    {
        try
        {
            PreciseSleep.MinimiseTimerSlack();
            var due = DueTs(_schedule.Next());
            while (due < _run.SendStopTs && !_run.Abort)
            {
                var now = Stopwatch.GetTimestamp();
                var wait = due - now;
                if (wait > _run.SpinTicks)
                {
                    PreciseSleep.For(Math.Min(wait - _run.SpinTicks, MaxSleepTicks) * 1_000_000_000 / Stopwatch.Frequency);
                    continue;
                }

                if (wait > 0)
                {
                    continue;
                }

                // Read before the slots: read after, the last connections could open and the phase end between the
                // two reads, and a schedule with connections to send on would be dropped.
                var connectingDone = _connectingDone();
                var slot = NextOpen();
                if (slot is null || (!connectingDone && !slot.HasRoom))
                {
                    if (slot is null && connectingDone)
                    {
                        break;
                    }

                    // Immediate start, no connection with room up yet: the message stays due and goes (late, and
                    // measured from its due time) on the next connection to open or to get a reply — not as overflow
                    // on the few first connections while the others still shake hands (as the epoll loops do).
                    PreciseSleep.For(100_000);
                    continue;
                }

                slot.Queue(due);
                due = DueTs(_schedule.Next());
            }

            Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            Completion.TrySetException(ex);
        }
    }

    private long DueTs(double seconds) =>
        double.IsPositiveInfinity(seconds) ? long.MaxValue : _run.LoadStartTs + RunContext.SecondsToTicks(seconds);

    /// <summary>The next open connection, round robin, preferring one with room in its window (as the epoll loops choose).</summary>
    private TlsSlot? NextOpen()
    {
        TlsSlot? full = null;
        var skipped = 0;
        for (var tries = 0; tries < _slots.Length; tries++)
        {
            var slot = _slots[_next];
            _next = _next + 1 == _slots.Length ? 0 : _next + 1;
            if (!slot.AcceptsMessages)
            {
                continue;
            }

            if (slot.HasRoom)
            {
                return slot;
            }

            full ??= slot;
            if (++skipped >= RunContext.MaxFullSkips)
            {
                break;
            }
        }

        return full;
    }
}
