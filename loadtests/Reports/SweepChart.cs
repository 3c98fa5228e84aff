using EchoServers.Load.Sweep;

namespace EchoServers.Load.Reports;

/// <summary>Latency against throughput as inline SVG (through <see cref="SvgChart"/>): one sweep's percentiles, or every model's p99.</summary>
public static class SweepChart
{
    /// <summary>One sweep: p50, p99 and p99.9 at each step's achieved rate, and the objective's threshold.</summary>
    public static string Percentiles(SweepResult sweep)
    {
        var steps = Ordered(sweep);
        var series = new List<(string, IReadOnlyList<(double X, double Y)>)>
        {
            ("p50", [.. steps.Select(s => (s.AchievedRate, Log(s.P50Us)))]),
            ("p99", [.. steps.Select(s => (s.AchievedRate, Log(s.P99Us)))]),
            ("p99.9", [.. steps.Select(s => (s.AchievedRate, Log(s.P999Us)))]),
        };
        AddObjective(series, [sweep]);
        return Draw($"{sweep.Name}: latency vs throughput ({sweep.Objective})", "latency (log scale)", series);
    }

    /// <summary>Several sweeps (models) on one chart: p99 at each step's achieved rate.</summary>
    public static string Models(IReadOnlyList<SweepResult> sweeps)
    {
        var series = sweeps.Select(s => (s.Name, (IReadOnlyList<(double X, double Y)>)[.. Ordered(s).Select(p => (p.AchievedRate, Log(p.P99Us)))])).ToList();
        AddObjective(series, sweeps);
        return Draw("p99 latency vs throughput, every model", "p99 latency (log scale)", series);
    }

    private static SweepStep[] Ordered(SweepResult sweep) => [.. sweep.Steps.Where(s => s.AchievedRate > 0).OrderBy(s => s.TargetRate)];

    // Log scale: past capacity the latency grows by orders of magnitude, and the interesting part is below it.
    private static double Log(long us) => Math.Log10(Math.Max(1, us));

    private static void AddObjective(List<(string, IReadOnlyList<(double X, double Y)>)> series, IReadOnlyList<SweepResult> sweeps)
    {
        var xs = sweeps.SelectMany(Ordered).Select(s => s.AchievedRate).ToArray();
        if (sweeps.FirstOrDefault(s => s.ObjectiveLatencyUs is not null) is { ObjectiveLatencyUs: { } threshold } first && xs.Length > 0)
        {
            var y = Math.Log10(Math.Max(1, threshold));
            series.Add(($"objective {first.Objective}", [(xs.Min(), y), (xs.Max(), y)]));
        }
    }

    private static string Draw(string title, string yTitle, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series) =>
        SvgChart.Lines(title, "achieved msgs/s", yTitle, series, BenchReport.Compact, y => Format.Us(Math.Pow(10, y)));
}
