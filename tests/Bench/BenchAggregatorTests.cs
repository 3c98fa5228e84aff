using EchoServers.Load.Bench;

namespace EchoServers.Tests.Bench;

/// <summary>Medians, spreads and the median of paired ratios.</summary>
public sealed class BenchAggregatorTests
{
    private static readonly BenchCell Cell = new("c50", "c50", 50);

    [Fact]
    public void The_ratio_is_the_median_of_per_pass_ratios_not_the_ratio_of_medians()
    {
        // Passes: 100/100 = 1.0, 200/100 = 2.0, 300/200 = 1.5 → median 1.5; the ratio of medians would be 200/100 = 2.
        BenchRun[] runs =
        [
            SyntheticBench.Run("m", "c50", 1, 100), SyntheticBench.Run("ref", "c50", 1, 100),
            SyntheticBench.Run("m", "c50", 2, 200), SyntheticBench.Run("ref", "c50", 2, 100),
            SyntheticBench.Run("m", "c50", 3, 300), SyntheticBench.Run("ref", "c50", 3, 200),
        ];
        var summary = BenchAggregator.Summarise(runs, [Cell], ["m", "ref"], "ref").Single(s => s.Model == "m");

        Assert.Equal(new Spread(1.5, 1.0, 2.0, 3), summary.RatioToReference);
        Assert.Equal(new Spread(200, 100, 300, 3), summary.MessagesPerSecond);
        Assert.Null(BenchAggregator.Summarise(runs, [Cell], ["m", "ref"], "ref").Single(s => s.Model == "ref").RatioToReference);
    }

    [Fact]
    public void Passes_without_a_reference_run_are_not_paired()
    {
        BenchRun[] runs =
        [
            SyntheticBench.Run("m", "c50", 1, 100), SyntheticBench.Run("ref", "c50", 1, 50),
            SyntheticBench.Run("m", "c50", 2, 100), new BenchRun { Pass = 2, Cell = "c50", Model = "ref", Error = "did not start" },
            SyntheticBench.Run("m", "c50", 3, 100), SyntheticBench.Run("ref", "c50", 3, 25),
        ];
        Assert.Equal([2.0, 4.0], BenchAggregator.PairedRatios([.. runs.Where(r => r.Model == "m")], [.. runs.Where(r => r.Model == "ref")]));
        var reference = BenchAggregator.Summarise(runs, [Cell], ["m", "ref"], "ref").Single(s => s.Model == "ref");
        Assert.Equal(1, reference.Failed);
        Assert.Equal(2, reference.Passes);
        Assert.False(reference.Valid);
    }

    [Fact]
    public void Medians_of_even_counts_average_the_middle_two()
    {
        Assert.Equal(new Spread(2.5, 1, 10, 4), Spread.Of([10, 1, 3, 2]));
        Assert.Equal(new Spread(7, 7, 7, 1), Spread.Of([7]));
        Assert.Null(Spread.Of([]));
    }

    [Fact]
    public void Errors_add_up_served_takes_the_worst_pass_and_cpu_is_the_median()
    {
        BenchRun[] runs =
        [
            SyntheticBench.Run("pool", "c50", 1, 10, cpuUs: 3, errors: 45, served: 5),
            SyntheticBench.Run("pool", "c50", 2, 10, cpuUs: 9, errors: 40, served: 10),
            SyntheticBench.Run("pool", "c50", 3, 10, cpuUs: 4, errors: 0, served: 50),
        ];
        var summary = BenchAggregator.Summarise(runs, [Cell], ["pool"], null).Single();

        Assert.Equal(85, summary.Errors);
        Assert.Equal(5, summary.ConnectionsServedMin);
        Assert.Equal(4, summary.ServerCpuUsPerMessage!.Median);
        Assert.False(summary.Valid);
        Assert.Null(summary.RatioToReference);
    }

    [Fact]
    public void The_latency_curve_merges_every_pass()
    {
        // Pass 1 records 101..1100, pass 2 201..1200, pass 3 301..1300: the curve runs from 101 to 1300.
        BenchRun[] runs = [SyntheticBench.Run("m", "c50", 1, 1), SyntheticBench.Run("m", "c50", 2, 1), SyntheticBench.Run("m", "c50", 3, 1)];
        var curve = BenchAggregator.Summarise(runs, [Cell], ["m"], null).Single().LatencyCurve;

        Assert.Equal(BenchAggregator.CurvePercentiles.Count, curve.Count);
        Assert.Equal(101, curve[0].Us);
        Assert.Equal(1300, curve[^1].Us);
        Assert.True(curve.Zip(curve.Skip(1)).All(p => p.First.Us <= p.Second.Us), "percentile curve is not monotonic");
    }

    [Fact]
    public void A_pass_where_the_pinned_generator_used_90_percent_of_its_core_marks_the_cell()
    {
        BenchRun[] runs = [SyntheticBench.Run("m", "c50", 1, 1) with { GeneratorCpuPercent = 95 }, SyntheticBench.Run("m", "c50", 2, 1) with { GeneratorCpuPercent = 50 }];
        Assert.True(BenchAggregator.Summarise(runs, [Cell], ["m"], null).Single().GeneratorSaturated);
        Assert.False(BenchAggregator.Summarise([runs[1]], [Cell], ["m"], null).Single().GeneratorSaturated);
    }

    [Fact]
    public void Idle_cells_report_rss_growth_per_held_connection()
    {
        var idle = new IdleResult(10_000, 10_000, 5, 9_895, 100, 1_000_000, 1_000_000 + (105 * 2048), 19);
        Assert.Equal(105, idle.Held);
        Assert.Equal(2048, idle.BytesPerConnection);
        Assert.Equal(0, new IdleResult(10, 10, 10, 0, 0, 2000, 1000, 1).BytesPerConnection);
    }
}
