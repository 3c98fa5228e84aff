using System.Globalization;
using System.Text;
using EchoServers.Load.Cli;
using EchoServers.Protocol.Text;

namespace EchoServers.Tests.Load;

/// <summary><c>echo-load compare</c> on synthetic run and bench reports: exit codes, noise, output.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("echo-load-compare").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static (int Exit, string Output, string Errors) Compare(string basePath, string newPath, string threshold = "5%", string? markdown = null)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        Assert.True(ShareText.TryParse(threshold, out var share, out var error), error);
        var exit = CompareCommand.Execute(basePath, newPath, share, markdown, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    /// <summary>A run report as <c>run --json</c> writes it (the keys compare reads), with per-second seconds ±2 % around the rate.</summary>
    private static string RunJson(double rate, long p99, long errors = 0)
    {
        var seconds = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            var factor = 1 + ((i - 2) * 0.01);
            seconds.Append(CultureInfo.InvariantCulture,
                $"{(i > 0 ? "," : string.Empty)}{{\"second\":{i + 1},\"phase\":\"measure\",\"messagesPerSecond\":{rate * factor},\"p50Us\":{p99 / 2},\"p99Us\":{(long)(p99 * factor)}}}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $$"""
            {"connections":{"requested":50,"established":50,"failed":0,"served":50},"messages":{{rate * 5}},"messagesPerSecond":{{rate}},
             "latencyUs":{"p50":{{p99 / 2}},"p90":{{p99 / 2}},"p99":{{p99}},"p999":{{p99 * 2}},"p9999":{{p99 * 3}},"max":{{p99 * 4}},"mean":{{p99 / 2}} },
             "errors":{"total":{{errors}} },"valid":true,"generator":{"cpuUsPerMessage":5.5},"perSecond":[{{seconds}}] }
            """);
    }

    /// <summary>A bench report: cell c50, models a and b, three passes each at the given rates (server CPU ∝ 1/rate).</summary>
    private static string BenchJson(double[] ratesA, double[] ratesB)
    {
        var runs = new List<string>();
        foreach (var (model, rates) in new[] { ("a", ratesA), ("b", ratesB) })
        {
            for (var pass = 0; pass < rates.Length; pass++)
            {
                runs.Add(string.Create(CultureInfo.InvariantCulture,
                    $$"""{"pass":{{pass + 1}},"cell":"c50","model":"{{model}}","messagesPerSecond":{{rates[pass]}},"serverCpuUsPerMessage":{{1e6 / rates[pass]}},"result":{"latencyUs":{"p50":400,"p99":900,"p999":2000},"errors":{"total":0},"generator":{"cpuUsPerMessage":6} } }"""));
            }
        }

        return $$"""{"passes":3,"runs":[{{string.Join(",", runs)}}],"summaries":[]}""";
    }

    [Fact]
    public void Identical_run_reports_pass()
    {
        var json = RunJson(50_000, 900);
        var (exit, output, errors) = Compare(Write("a.json", json), Write("b.json", json));

        Assert.Equal(0, exit);
        Assert.Empty(errors);
        Assert.Contains("no regression", output, StringComparison.Ordinal);
        Assert.Contains("msgs/s", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_20_percent_lower_rate_is_a_regression()
    {
        var (exit, output, _) = Compare(Write("a.json", RunJson(50_000, 900)), Write("b.json", RunJson(40_000, 900)));

        Assert.Equal(1, exit);
        Assert.Contains("REGRESSION", output, StringComparison.Ordinal);
        Assert.Contains("-20 %", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_20_percent_higher_p99_or_new_errors_are_regressions()
    {
        Assert.Equal(1, Compare(Write("a.json", RunJson(50_000, 1000)), Write("b.json", RunJson(50_000, 1200))).Exit);
        Assert.Equal(1, Compare(Write("c.json", RunJson(50_000, 1000)), Write("d.json", RunJson(50_000, 1000, errors: 3))).Exit);
    }

    [Fact]
    public void Better_and_within_threshold_pass()
    {
        Assert.Equal(0, Compare(Write("a.json", RunJson(50_000, 1000)), Write("b.json", RunJson(60_000, 800))).Exit);
        Assert.Equal(0, Compare(Write("c.json", RunJson(50_000, 1000)), Write("d.json", RunJson(49_000, 1000))).Exit);
        Assert.Equal(0, Compare(Write("e.json", RunJson(50_000, 1000)), Write("f.json", RunJson(40_000, 1000)), threshold: "25%").Exit);
    }

    [Fact]
    public void Bench_reports_flag_a_20_percent_regression_of_one_model_and_write_markdown()
    {
        var markdown = Path.Combine(_directory, "compare.md");
        var (exit, output, _) = Compare(
            Write("a.json", BenchJson([100_000, 98_000, 103_000], [50_000, 49_000, 51_000])),
            Write("b.json", BenchJson([100_000, 98_000, 103_000], [40_000, 39_000, 41_000])),
            markdown: markdown);

        Assert.Equal(1, exit);
        Assert.Contains("c50 / b", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith("c50 / a", StringComparison.Ordinal) && l.Contains("REGRESSION", StringComparison.Ordinal));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("c50 / b", StringComparison.Ordinal) && l.Contains("server CPU", StringComparison.Ordinal) && l.Contains("REGRESSION", StringComparison.Ordinal));
        Assert.Contains("| c50 / b | msgs/s |", File.ReadAllText(markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bench_difference_inside_both_pass_ranges_is_noise()
    {
        // Medians 100k → 93k (7 % worse), but each median lies inside the other's min–max over passes.
        var (exit, output, _) = Compare(
            Write("a.json", BenchJson([100_000, 90_000, 110_000], [50_000, 50_000, 50_000])),
            Write("b.json", BenchJson([93_000, 85_000, 101_000], [50_000, 50_000, 50_000])));

        Assert.Equal(0, exit);
        Assert.Contains("worse, noise", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_exits_2_with_one_clear_line()
    {
        var run = Write("run.json", RunJson(50_000, 900));
        var bench = Write("bench.json", BenchJson([1, 2, 3], [1, 2, 3]));
        var otherBench = Write("other.json", """{"runs":[{"pass":1,"cell":"c1","model":"x","messagesPerSecond":5,"result":{"latencyUs":{"p50":1}}}]}""");
        var cases = new (string Base, string New, string Threshold, string Expected)[]
        {
            (Path.Combine(_directory, "missing.json"), run, "5%", "cannot be read"),
            (Write("broken.json", "{\"messagesPerSecond\": "), run, "5%", "not valid JSON"),
            (Write("other-kind.json", "{\"hello\": 1}"), run, "5%", "neither a run report"),
            (run, bench, "5%", "compare two of the same kind"),
            (bench, otherBench, "5%", "nothing to compare"),
        };

        foreach (var (basePath, newPath, threshold, expected) in cases)
        {
            var (exit, output, errors) = Compare(basePath, newPath, threshold);
            Assert.Equal(2, exit);
            Assert.Empty(output);
            Assert.Contains(expected, errors, StringComparison.Ordinal);
            Assert.Single(errors.TrimEnd().Split('\n'));
        }
    }
}
