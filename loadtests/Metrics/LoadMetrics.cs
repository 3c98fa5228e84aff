using System.Diagnostics;
using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Metrics;

/// <summary>
/// The generator's view for a Prometheus scrape (<c>--metrics-port</c>): the running run's counters, read from the
/// workers' own counters at scrape time (nothing is added to the I/O threads' path), the latency histogram and the
/// rates fed by the per-second sampler, and the totals of earlier runs of the same command (sweep and bench run
/// many), so a counter never goes backwards between runs. The command sets <see cref="Current"/> for its async flow;
/// runs started elsewhere (tests in parallel) see none.
/// </summary>
internal sealed class LoadMetrics
{
    private static readonly AsyncLocal<LoadMetrics?> CurrentFlow = new();

    private readonly Lock _gate = new();
    private readonly LatencyBuckets _latency = new();
    private Totals _finished;
    private WorkerCounters[] _counters = [];
    private LoadConnection?[] _connections = [];
    private RunContext? _run;
    private double _previousSecond;
    private double _achievedRate;
    private long _runs;

    /// <summary>The metrics of the command running in this async flow, if it has <c>--metrics-port</c>.</summary>
    public static LoadMetrics? Current
    {
        get => CurrentFlow.Value;
        set => CurrentFlow.Value = value;
    }

    /// <summary>
    /// A run starts: its workers' counters (and the connect phase's, whose failures are
    /// <c>echoload_errors_total{kind="connect"}</c> too) are read from now on; the previous run's last values are kept.
    /// </summary>
    public void Attach(RunContext run, ILoadWorker[] workers, LoadConnection?[] connections, params WorkerCounters[] connectPhase)
    {
        lock (_gate)
        {
            _finished = _finished.Add(Read(_counters));
            _run = run;
            _counters = [.. workers.Select(w => w.Counters), .. connectPhase];
            _connections = connections;
            _previousSecond = 0;
            _achievedRate = 0;
            _runs++;
        }
    }

    /// <summary>One second of the run: its latencies join the histogram; its send rate is the achieved rate.</summary>
    public void OnSecond(HistogramBase latencies, SecondSnapshot snapshot)
    {
        lock (_gate)
        {
            _latency.Add(latencies);
            var span = snapshot.Second - _previousSecond;
            _achievedRate = span > 0 ? snapshot.Sent / span : 0;
            _previousSecond = snapshot.Second;
        }
    }

    /// <summary>What a scrape shows, read now.</summary>
    public LoadMetricsView View()
    {
        lock (_gate)
        {
            var totals = _finished.Add(Read(_counters));
            double? target = null;
            if (_run is { IsOpen: true } run)
            {
                var seconds = (Stopwatch.GetTimestamp() - run.LoadStartTs) / (double)Stopwatch.Frequency;
                target = seconds >= 0 && seconds < run.Profile.TotalSeconds ? run.Profile.LevelAt(seconds) : 0;
            }

            var connections = 0;
            foreach (var connection in _connections)
            {
                connections += connection is { Dead: false } ? 1 : 0;
            }

            return new LoadMetricsView(totals, connections, target, _achievedRate, _runs, _latency.Cumulative.ToArray(), _latency.Count, _latency.SumUs);
        }
    }

    private static Totals Read(WorkerCounters[] counters)
    {
        var totals = default(Totals);
        foreach (var c in counters)
        {
            totals = totals.Add(new Totals(
                Volatile.Read(ref c.Sent), Volatile.Read(ref c.Received), Volatile.Read(ref c.Mismatch), Volatile.Read(ref c.Reorder),
                Volatile.Read(ref c.Reset), Volatile.Read(ref c.Eof), Volatile.Read(ref c.Timeout), Volatile.Read(ref c.Overflow),
                Volatile.Read(ref c.Missing), Volatile.Read(ref c.ConnectRefused) + Volatile.Read(ref c.ConnectReset)
                    + Volatile.Read(ref c.ConnectTimeout) + Volatile.Read(ref c.ConnectOutOfPorts) + Volatile.Read(ref c.ConnectOther),
                Volatile.Read(ref c.Connects)));
        }

        return totals;
    }
}

/// <summary>The generator's counters summed over workers (and runs).</summary>
internal readonly record struct Totals(
    long Sent, long Answered, long Mismatch, long Reorder, long Reset, long Eof, long Timeout, long Overflow, long Missing, long Connect, long Connects)
{
    public Totals Add(Totals o) => new(
        Sent + o.Sent, Answered + o.Answered, Mismatch + o.Mismatch, Reorder + o.Reorder, Reset + o.Reset, Eof + o.Eof,
        Timeout + o.Timeout, Overflow + o.Overflow, Missing + o.Missing, Connect + o.Connect, Connects + o.Connects);
}

/// <summary>One scrape's values.</summary>
internal sealed record LoadMetricsView(
    Totals Totals, int Connections, double? TargetRate, double AchievedRate, long Runs, long[] LatencyBuckets, long LatencyCount, double LatencySumUs);
