using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Bench;

/// <summary>Turns the runs into one <see cref="BenchSummary"/> per row and cell.</summary>
public static class BenchAggregator
{
    /// <summary>Percentiles of the charts' curves: 0, 90, 99, 99.9 … evenly on a log(1/(1−p)) axis, up to 99.999.</summary>
    public static IReadOnlyList<double> CurvePercentiles { get; } = [.. Enumerable.Range(0, 51).Select(k => 100 * (1 - Math.Pow(10, -k / 10.0)))];

    /// <summary>Generator CPU (of the cores it may use) from which it is taken to be the bottleneck, as the engine does.</summary>
    public const double SaturatedPercent = 90;

    public static IReadOnlyList<BenchSummary> Summarise(
        IReadOnlyList<BenchRun> runs, IReadOnlyList<BenchCell> cells, IReadOnlyList<string> models, string? reference)
    {
        var summaries = new List<BenchSummary>();
        foreach (var cell in cells)
        {
            foreach (var model in models)
            {
                var mine = runs.Where(r => r.Cell == cell.Name && r.Model == model).ToArray();
                if (mine.Length > 0)
                {
                    var referenceRuns = reference is null || model == reference
                        ? []
                        : runs.Where(r => r.Cell == cell.Name && r.Model == reference && r.Error is null).ToArray();
                    summaries.Add(Summarise(cell, model, mine, referenceRuns));
                }
            }
        }

        return summaries;
    }

    /// <summary>Rate ÷ the reference's rate in the same pass, for every pass both ran.</summary>
    public static IReadOnlyList<double> PairedRatios(IReadOnlyList<BenchRun> runs, IReadOnlyList<BenchRun> referenceRuns) =>
        [.. from run in runs
            where run.Error is null
            join other in referenceRuns.Where(r => r.Error is null && r.MessagesPerSecond > 0) on run.Pass equals other.Pass
            select run.MessagesPerSecond / other.MessagesPerSecond];

    private static BenchSummary Summarise(BenchCell cell, string model, BenchRun[] runs, BenchRun[] referenceRuns)
    {
        var ran = runs.Where(r => r.Error is null).ToArray();
        var loads = ran.Where(r => r.Result is not null).ToArray();
        var idles = ran.Where(r => r.Idle is not null).Select(r => r.Idle!).ToArray();
        double? MedianOf(Func<BenchRun, double?> pick) =>
            Spread.Of(loads.Select(pick).Where(v => v is not null).Select(v => v!.Value))?.Median;

        return new BenchSummary
        {
            Model = model,
            Cell = cell.Name,
            Passes = ran.Length,
            Failed = runs.Length - ran.Length,
            MessagesPerSecond = cell.Idle ? null : Spread.Of(loads.Select(r => r.MessagesPerSecond)),
            RatioToReference = cell.Idle ? null : Spread.Of(PairedRatios(loads, referenceRuns)),
            ServerCpuUsPerMessage = Spread.Of(loads.Where(r => r.ServerCpuUsPerMessage is not null).Select(r => r.ServerCpuUsPerMessage!.Value)),
            ServerSyscallsPerMessage = MedianOf(r => r.ServerSyscallsPerMessage),
            ConnectsPerSecond = cell.MessagesPerConnection > 0 ? Spread.Of(loads.Select(r => r.Result!.ConnectsPerSecond)) : null,
            ConnectP99Us = cell.MessagesPerConnection > 0 ? MedianOf(r => r.Result!.ConnectUs.P99) : null,
            HandshakeP50Us = cell.Tls ? MedianOf(r => r.Result!.Tls?.HandshakeUs.P50) : null,
            HandshakeP99Us = cell.Tls ? MedianOf(r => r.Result!.Tls?.HandshakeUs.P99) : null,
            LatencyP50Us = MedianOf(r => r.Result!.LatencyUs.P50),
            LatencyP99Us = MedianOf(r => r.Result!.LatencyUs.P99),
            LatencyP999Us = MedianOf(r => r.Result!.LatencyUs.P999),
            Errors = loads.Sum(r => r.ErrorCount),
            Mismatches = loads.Sum(r => r.Result!.Errors.Mismatch),
            ConnectionsRequested = cell.Connections,
            ConnectionsServedMin = loads.Length > 0 ? loads.Min(r => r.Result!.Connections.Served) : null,
            ConnectionsFailedMax = loads.Length > 0 ? loads.Max(r => r.Result!.Connections.Failed) : null,
            FirstReplyP99Us = MedianOf(r => r.Result!.FirstReplyUs.Count > 0 ? r.Result.FirstReplyUs.P99 : null),
            StarvedMax = loads.Length > 0 ? loads.Max(r => r.Result!.Starved) : null,
            FairnessMin = loads.Length > 0 ? loads.Min(r => r.Result!.Fairness.Jain) : null,
            MinShareMin = loads.Length > 0 ? loads.Min(r => r.Result!.Fairness.MinShare) : null,
            ServerRssBytes = MedianOf(r => r.ServerRssBytes),
            IdleBytesPerConnection = Spread.Of(idles.Select(i => i.BytesPerConnection)),
            IdleRssBytes = Spread.Of(idles.Select(i => (double)i.RssAfterBytes))?.Median,
            IdleEstablishedMin = idles.Length > 0 ? idles.Min(i => i.Established) : null,
            IdleAnsweredMin = idles.Length > 0 ? idles.Min(i => i.Answered) : null,
            IdleHeldMin = idles.Length > 0 ? idles.Min(i => i.Held) : null,
            Valid = runs.Length > 0 && ran.Length == runs.Length && loads.All(r => r.Result!.Valid),
            GeneratorSaturated = loads.Any(r => r.GeneratorCpuPercent >= SaturatedPercent || r.Result!.Generator.LikelyBottleneck),
            LatencyCurve = Curve(loads.Where(r => r.Latency is not null).Select(r => r.Latency!)),
        };
    }

    private static IReadOnlyList<PercentilePoint> Curve(IEnumerable<HistogramBase> histograms)
    {
        var merged = Histograms.Merge(histograms);
        return merged.TotalCount == 0
            ? []
            : [.. CurvePercentiles.Select(p => new PercentilePoint(Math.Round(p, 5), merged.GetValueAtPercentile(p)))];
    }
}
