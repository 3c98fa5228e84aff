using System.Diagnostics;
using EchoServers.Load.Engine;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Measurement;

/// <summary>
/// Takes a snapshot every second of load (and at the warm-up and measurement boundaries): rate, latency of the
/// second, errors, and the generator's own CPU; and the CPU, GC pause and allocation totals over the measured
/// window. Runs on the caller's async flow; waiting here is reporting, not pacing, so Task.Delay is fine.
/// </summary>
internal sealed class RunSampler
{
    private readonly RunContext _run;
    private readonly ILoadWorker[] _loops;
    private readonly LoadConnection[] _connections;
    private readonly IProgressSink _progress;
    private readonly List<SecondSnapshot> _seconds = [];
    private readonly LongHistogram _interval = Histograms.Create();
    private readonly LongHistogram _scratch = Histograms.Create();
    private readonly LongHistogram _lateness = Histograms.Create();
    private Totals _measureStart;
    private Totals _measureEnd;

    /// <summary>
    /// A sampler over <paramref name="loops"/>; <paramref name="connectPhase"/> holds the connect phase's failures for
    /// the live metrics (the workers count the later ones).
    /// </summary>
    public RunSampler(RunContext run, ILoadWorker[] loops, LoadConnection[] connections, IProgressSink progress, params WorkerCounters[] connectPhase)
    {
        _run = run;
        _loops = loops;
        _connections = connections;
        _progress = progress;

        // The live metrics (--metrics-port) read this run's counters from now on.
        Metrics.LoadMetrics.Current?.Attach(run, loops, connections, connectPhase);
    }

    public IReadOnlyList<SecondSnapshot> Seconds => _seconds;

    public async Task SampleUntilSendStopAsync(CancellationToken cancellationToken)
    {
        var profile = _run.Profile;
        var boundaries = Enumerable.Range(1, (int)Math.Floor(profile.TotalSeconds)).Select(s => (double)s)
            .Append(profile.WarmupSeconds).Append(profile.TotalSeconds)
            .Where(s => s > 0).Distinct().Order().ToArray();
        var previous = Take();
        var previousSecond = 0.0;
        if (profile.WarmupSeconds == 0)
        {
            _measureStart = previous;
        }

        foreach (var boundary in boundaries)
        {
            var dueTs = _run.LoadStartTs + RunContext.SecondsToTicks(boundary);
            var wait = TimeSpan.FromSeconds((dueTs - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    var end = Take();
                    _seconds.Add(Snapshot(previous, end, previousSecond, _run.SecondsAt(end.Timestamp)));
                    _measureEnd = end;
                    if (profile.WarmupSeconds > 0 && boundary <= profile.WarmupSeconds)
                    {
                        _measureStart = end;
                    }

                    return;
                }
            }

            var now = Take();
            var snapshot = Snapshot(previous, now, previousSecond, boundary);
            _seconds.Add(snapshot);
            _progress.OnSecond(snapshot);
            if (boundary == profile.WarmupSeconds)
            {
                _measureStart = now;
                _progress.OnPhase("measure", string.Join(", ", profile.Steps));
            }

            if (boundary == profile.TotalSeconds)
            {
                _measureEnd = now;
            }

            previous = now;
            previousSecond = boundary;
        }
    }

    /// <summary>The generator's cost over the measured window.</summary>
    public GeneratorCost Cost(long messages, int ioThreads)
    {
        var seconds = (_measureEnd.Timestamp - _measureStart.Timestamp) / (double)Stopwatch.Frequency;
        var cpuMs = (_measureEnd.Cpu - _measureStart.Cpu).TotalMilliseconds;
        var cores = Environment.ProcessorCount;
        var replies = Math.Max(1, _measureEnd.Received - _measureStart.Received);
        var percent = seconds > 0 ? cpuMs / 10 / seconds / cores : 0;
        return new GeneratorCost(
            CpuMs: Math.Round(cpuMs, 1),
            Cores: cores,
            IoThreads: ioThreads,
            CpuPercentOfCores: Math.Round(percent, 1),
            CpuUsPerMessage: messages > 0 ? Math.Round(cpuMs * 1000 / replies, 3) : 0,
            GcPauseMs: Math.Round((_measureEnd.GcPause - _measureStart.GcPause).TotalMilliseconds, 2),
            Gen0Collections: _measureEnd.Gen0 - _measureStart.Gen0,
            AllocatedBytesPerMessage: Math.Round((_measureEnd.Allocated - _measureStart.Allocated) / (double)replies, 3),
            LikelyBottleneck: percent >= 90);
    }

    private SecondSnapshot Snapshot(Totals from, Totals to, double fromSecond, double toSecond)
    {
        var span = (to.Timestamp - from.Timestamp) / (double)Stopwatch.Frequency;
        _interval.Reset();
        foreach (var loop in _loops)
        {
            loop.LatencyInterval.GetIntervalHistogramInto(_scratch);
            _interval.Add(_scratch);
        }

        var lateness = 0L;
        if (_run.IsOpen)
        {
            _lateness.Reset();
            foreach (var loop in _loops)
            {
                loop.LatenessInterval.GetIntervalHistogramInto(_scratch);
                _lateness.Add(_scratch);
            }

            lateness = _lateness.TotalCount > 0 ? _lateness.GetValueAtPercentile(99) : 0;
        }

        var messages = to.Received - from.Received;
        var phase = toSecond <= _run.Profile.WarmupSeconds ? "warmup" : "measure";
        // Immediate start: slots of connections not yet established are still null.
        var active = _run.IsOpen
            ? _connections.Count(c => c is { Dead: false })
            : Math.Min(_connections.Count(c => c is { Dead: false }), (int)Math.Round(_run.Profile.LevelAt(Math.Max(0, toSecond - 0.001))));
        var snapshot = new SecondSnapshot(
            Second: Math.Round(toSecond, 3),
            Phase: phase,
            Messages: messages,
            MessagesPerSecond: span > 0 ? Math.Round(messages / span, 1) : 0,
            Sent: to.Sent - from.Sent,
            P50Us: _interval.TotalCount > 0 ? _interval.GetValueAtPercentile(50) : 0,
            P99Us: _interval.TotalCount > 0 ? _interval.GetValueAtPercentile(99) : 0,
            MaxUs: _interval.TotalCount > 0 ? _interval.GetMaxValue() : 0,
            Errors: to.Errors - from.Errors,
            ActiveConnections: active,
            SendLatenessP99Us: lateness,
            CpuPercent: span > 0 ? Math.Round((to.Cpu - from.Cpu).TotalMilliseconds / 10 / span / Environment.ProcessorCount, 1) : 0);
        Metrics.LoadMetrics.Current?.OnSecond(_interval, snapshot);
        return snapshot;
    }

    private Totals Take()
    {
        long received = 0, sent = 0, errors = 0;
        foreach (var loop in _loops)
        {
            var counters = loop.Counters;
            received += Volatile.Read(ref counters.Received);
            sent += Volatile.Read(ref counters.Sent);
            errors += Volatile.Read(ref counters.Mismatch) + Volatile.Read(ref counters.Reset) + Volatile.Read(ref counters.Eof)
                + Volatile.Read(ref counters.Timeout) + Volatile.Read(ref counters.Reorder) + Volatile.Read(ref counters.Overflow);
        }

        // getrusage, where Process.TotalProcessorTime parses /proc text into new objects at every sample.
        return new Totals(
            Stopwatch.GetTimestamp(), received, sent, errors, Environment.CpuUsage.TotalTime, GC.GetTotalPauseDuration(),
            GC.CollectionCount(0), GC.GetTotalAllocatedBytes(precise: false));
    }

    private readonly record struct Totals(
        long Timestamp, long Received, long Sent, long Errors, TimeSpan Cpu, TimeSpan GcPause, int Gen0, long Allocated);
}
