using System.Text.Json;
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
        Assert.Equal(3, html.Split("<svg").Length - 1);
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
