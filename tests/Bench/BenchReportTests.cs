using System.Text.Json;
using EchoServers.Load.Bench;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Tests.Bench;

/// <summary>The report writers on a made-up bench: what a reader must find in each format.</summary>
public sealed class BenchReportTests
{
    [Fact]
    public void Markdown_has_rows_of_models_columns_of_cells_and_every_figure()
    {
        var md = BenchMarkdownReport.Markdown(SyntheticBench.Result());

        Assert.Contains("| model | c50<br><small>64 B × 50 conns</small> |", md, StringComparison.Ordinal);

        // async: rates 91k, 92k, 93k → median 92k; paired ratios 0.91, 0.92, 0.93 → ×0.92; 7 µs/msg; p99 900us.
        Assert.Contains("| **async** | 92k [91k–93k]<br>×0.92 · 7.00 µs/msg · p99 900us |", md, StringComparison.Ordinal);
        Assert.Contains("| **pool** | 30k ⚠<br>×0.30", md, StringComparison.Ordinal);
        Assert.Contains("| **pool** | 5/50, 135 errors, invalid |", md, StringComparison.Ordinal);
        Assert.Contains("| **async** | ×0.92 [0.91–0.93] |", md, StringComparison.Ordinal);
        Assert.Contains("| **async** | 9.0 KiB | 128 MiB (13.1 KiB) | 10,000 answered, 10,000 established of 10,000 | 40 MiB (c50) |", md, StringComparison.Ordinal);
        Assert.Contains("- pool serves 5 <by design> & says so", md, StringComparison.Ordinal);
        Assert.Contains("| async | — | `echo-server --model async` | 42 | 0 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("System call cost here: null call (getppid) 1030 ns, recv returning EAGAIN 1212 ns.", md, StringComparison.Ordinal);
        Assert.Contains("| **async** | 2.02 |", md, StringComparison.Ordinal);
        Assert.Contains("| **c-epoll-echo** | — |", md, StringComparison.Ordinal); // not counted: a dash, not a zero
    }

    [Fact]
    public void Storm_cells_show_first_reply_starved_and_fairness_next_to_the_rate()
    {
        var storm = BenchCells.All.First(c => c.Name == "storm1000");
        BenchRun StormRun(string model, int pass, long firstReplyP99, long starved, double jain) =>
            SyntheticBench.Run(model, storm.Name, pass, 20_000) is var run && run.Result is { } result
                ? run with
                {
                    Result = result with
                    {
                        FirstReplyUs = new LatencySummary(1000, 2000, firstReplyP99, firstReplyP99, firstReplyP99, firstReplyP99, 1500, 1000),
                        Starved = starved,
                        Fairness = new FairnessSummary(jain, jain / 2, 1, 2),
                    },
                }
                : run;
        var runs = new List<BenchRun>();
        for (var pass = 1; pass <= 3; pass++)
        {
            runs.Add(StormRun("threads", pass, 6_000_000, 800 + pass, 0.2 + (pass / 100.0)));
            runs.Add(StormRun("async", pass, 150_000, 0, 0.99));
        }

        string[] models = ["threads", "async"];
        var result = SyntheticBench.Result() with
        {
            Cells = [storm],
            Models = models,
            Reference = null,
            Runs = runs,
            Summaries = BenchAggregator.Summarise(runs, [storm], models, null),
        };

        var md = BenchMarkdownReport.Markdown(result);
        Assert.Contains("first reply p99 6s · 803 starved · fairness 0.21", md, StringComparison.Ordinal);
        Assert.Contains("| **async** | 20k<br>5.00 µs/msg · p99 900us · first reply p99 150ms · 0 starved · fairness 0.99 |", md, StringComparison.Ordinal);
        Assert.Contains("## First reply, starved, fairness", md, StringComparison.Ordinal);
        Assert.Contains("| **threads** | first reply p99 6s · 803 starved · fairness 0.21 (min share 0.1", md, StringComparison.Ordinal);
        var html = BenchHtmlReport.Html(result);
        Assert.Contains("<title>storm1000: first reply p99</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_is_self_contained_with_bar_and_percentile_charts_per_cell()
    {
        var html = BenchHtmlReport.Html(SyntheticBench.Result());

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<title>c50: throughput</title>", html, StringComparison.Ordinal);
        Assert.Contains("<title>c50: latency by percentile</title>", html, StringComparison.Ordinal);
        Assert.Contains("<title>idle10k: RSS per idle connection</title>", html, StringComparison.Ordinal);
        Assert.Contains("<td><strong>async</strong></td>", html, StringComparison.Ordinal);
        Assert.Contains("pool serves 5 &lt;by design&gt; &amp; says so", html, StringComparison.Ordinal);
        Assert.Equal(4, html.Split("<svg").Length - 1); // the overview, then c50 throughput and percentiles, idle10k memory
    }

    [Fact]
    public void Json_holds_settings_runs_and_summaries_in_camel_case()
    {
        using var document = JsonDocument.Parse(BenchJsonReport.Serialize(SyntheticBench.Result()));
        var root = document.RootElement;

        Assert.Equal(3, root.GetProperty("passes").GetInt32());
        Assert.Equal("c-epoll-echo", root.GetProperty("reference").GetString());
        Assert.Equal(18, root.GetProperty("runs").GetArrayLength());
        var run = root.GetProperty("runs")[0];
        Assert.Equal(91_000, run.GetProperty("messagesPerSecond").GetDouble());
        Assert.Equal(50, run.GetProperty("result").GetProperty("connections").GetProperty("served").GetInt32());
        var async = root.GetProperty("summaries").EnumerateArray().First(s => s.GetProperty("model").GetString() == "async");
        Assert.Equal(0.92, async.GetProperty("ratioToReference").GetProperty("median").GetDouble(), 6);
        Assert.Equal(7, async.GetProperty("serverCpuUsPerMessage").GetProperty("median").GetDouble());
        Assert.True(async.GetProperty("latencyCurve").GetArrayLength() > 10);
        Assert.False(run.TryGetProperty("latency", out _));
    }
}
