using System.CommandLine;
using EchoServers.Load.Bench;
using EchoServers.Load.Cli;
using EchoServers.Load.Reports;
using EchoServers.Load.Sweep;

namespace EchoServers.Tests.Bench;

/// <summary><c>bench --sweep</c>: its options, and every row's sweep on one chart in the report.</summary>
public sealed class BenchSweepTests
{
    private static bool Bind(out BenchSettings settings, out string error, params string[] args)
    {
        var options = new BenchCommandOptions();
        var command = new RootCommand();
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return options.TryBind(parse, DateTime.UtcNow, out settings, out error);
    }

    [Fact]
    public void Sweep_alone_runs_no_cells_with_a_p99_under_1ms_objective_and_5s_steps()
    {
        Assert.True(Bind(out var s, out var error, "--sweep"), error);
        Assert.Empty(s.Cells);
        Assert.NotNull(s.Sweep);
        Assert.Equal("p99<1ms", s.Sweep!.ObjectiveText);
        Assert.Equal(TimeSpan.FromSeconds(5), s.Sweep.StepDuration);

        Assert.True(Bind(out s, out error, "--sweep", "--cells", "c50", "--objective", "p99.9<5ms", "--step-duration", "2s"), error);
        Assert.Equal(["c50"], s.Cells.Select(c => c.Name));
        Assert.Equal(("p99.9<5ms", TimeSpan.FromSeconds(2)), (s.Sweep!.ObjectiveText, s.Sweep.StepDuration));

        Assert.True(Bind(out s, out error), error);
        Assert.Null(s.Sweep);
        Assert.NotEmpty(s.Cells);

        Assert.False(Bind(out _, out error, "--sweep", "--objective", "p99<fast"));
        Assert.Contains("--objective", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_draws_every_row_on_one_chart_and_lists_each_capacity()
    {
        var result = SyntheticBench.Result() with { Sweeps = [Sweep("eventloop", 9000, lowerBound: false), Sweep("threads", 4000, lowerBound: true)] };

        var md = BenchMarkdownReport.Markdown(result);
        Assert.Contains("## Capacity sweep", md, StringComparison.Ordinal);
        Assert.Contains("| eventloop | 9,000 | Server |", md, StringComparison.Ordinal);
        Assert.Contains("| threads | ≥ 4,000 | Generator |", md, StringComparison.Ordinal);

        var html = BenchHtmlReport.Html(result);
        var chart = html[html.IndexOf("Capacity sweep: latency vs throughput", StringComparison.Ordinal)..];
        chart = chart[..(chart.IndexOf("</svg>", StringComparison.Ordinal) + 6)];
        Assert.Equal(3, chart.Split("<polyline").Length - 1);
        Assert.Contains(">eventloop<", chart, StringComparison.Ordinal);
        Assert.Contains(">threads<", chart, StringComparison.Ordinal);
        Assert.DoesNotContain("Capacity sweep", BenchHtmlReport.Html(SyntheticBench.Result()), StringComparison.Ordinal);
    }

    private static SweepResult Sweep(string name, double capacity, bool lowerBound) => new()
    {
        Name = name,
        Target = "127.0.0.1:1",
        Objective = "p99<1ms",
        ObjectiveLatencyUs = 1000,
        Load = "open model",
        Steps = [.. new[] { 0.5, 1, 1.5 }.Select((f, i) => new SweepStep
        {
            Index = i + 1,
            Phase = "geometric",
            TargetRate = capacity * f,
            AchievedRate = capacity * f,
            P50Us = (long)(100 * f),
            P99Us = (long)(600 * f * f),
            P999Us = (long)(900 * f * f),
            Passed = f <= 1,
        })],
        Capacity = capacity,
        CapacityIsLowerBound = lowerBound,
        Limit = lowerBound ? SweepLimit.Generator : SweepLimit.Server,
        Conclusion = "made up",
    };
}
