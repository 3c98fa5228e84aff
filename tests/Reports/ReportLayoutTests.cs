using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using EchoServers.Load.Reports;
using EchoServers.Tests.Bench;

namespace EchoServers.Tests.Reports;

/// <summary>
/// What a reader of the HTML reports sees first: the bench page opens on the command line (once) and the overview
/// chart, then the tables, then each cell's table with its charts, then the notes; the run page on its charts. The
/// order is read from the page's elements; where a headless chromium is installed the pages are also rendered.
/// </summary>
public sealed partial class ReportLayoutTests
{
    private static readonly string[] Browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    [Fact]
    public void Bench_page_opens_on_the_command_line_once_then_the_overview_then_tables_cells_and_notes()
    {
        var result = SyntheticBench.Result();
        var html = BenchHtmlReport.Html(result);
        var landmarks = Landmarks(html);

        Assert.Equal(1, Count(html, WebUtility.HtmlEncode(result.CommandLine)));
        Assert.Equal(["command", "overview", "tables", "cell c50", "cell idle10k", "notes"], landmarks.Select(l => l.Name));

        // The overview's rows: every row of every load cell with its CPU figure, the reference marked, ratios beside.
        var overview = html[landmarks[1].Index..landmarks[2].Index];
        Assert.Equal(3, Count(overview, "<g class=\"row"));
        Assert.Equal(1, Count(overview, "<g class=\"row reference\">"));
        Assert.Contains("c-epoll-echo (reference)", overview, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode("×0.92"), overview, StringComparison.Ordinal);
        Assert.Contains("7.00 µs", overview, StringComparison.Ordinal);

        // The tables hold no chart; each cell section holds its own table and then its charts.
        Assert.DoesNotContain("<svg", html[landmarks[2].Index..landmarks[3].Index], StringComparison.Ordinal);
        var c50 = html[landmarks[3].Index..landmarks[4].Index];
        Assert.True(c50.IndexOf("cell-table", StringComparison.Ordinal) < c50.IndexOf("<svg", StringComparison.Ordinal));
        Assert.Contains("<title>c50: throughput</title>", c50, StringComparison.Ordinal);
        Assert.Contains("<title>c50: latency by percentile</title>", c50, StringComparison.Ordinal);
        Assert.Contains("<title>idle10k: RSS per idle connection</title>", html[landmarks[4].Index..landmarks[5].Index], StringComparison.Ordinal);
        Assert.Contains("pool serves 5 &lt;by design&gt; &amp; says so", html[landmarks[5].Index..], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_page_opens_on_its_charts_then_the_summary_and_tables()
    {
        var html = HtmlReport.Html(SyntheticBench.Result(50_000, 0, 50) with { PerSecond = [new(1, "measure", 1, 1, 1, 100, 200, 300, 0, 1, 0, 5)] });

        var charts = html.IndexOf("id=\"charts\"", StringComparison.Ordinal);
        var summary = html.IndexOf("id=\"summary\"", StringComparison.Ordinal);
        var perSecond = html.IndexOf("<h2>Per second</h2>", StringComparison.Ordinal);
        Assert.True(charts > 0 && charts < summary && summary < perSecond, $"charts {charts}, summary {summary}, per second {perSecond}");
        Assert.Equal(3, Count(html[charts..summary], "<svg"));
    }

    [Fact]
    public void Pages_render_in_a_headless_browser()
    {
        var chromium = Browsers.FirstOrDefault(File.Exists);
        Assert.SkipWhen(chromium is null, "no chromium installed (scripts/setup.sh installs it where it can)");
        var directory = Directory.CreateTempSubdirectory("report-screenshot").FullName;
        try
        {
            foreach (var (name, html) in new[] { ("bench", BenchHtmlReport.Html(SyntheticBench.Result())), ("run", HtmlReport.Html(SyntheticBench.Result(50_000, 0, 50))) })
            {
                var page = Path.Combine(directory, $"{name}.html");
                var png = Path.Combine(directory, $"{name}.png");
                File.WriteAllText(page, html);
                Screenshot(chromium!, page, png, directory);

                // To look at them: ECHO_REPORT_SCREENSHOTS=DIR keeps a copy.
                if (Environment.GetEnvironmentVariable("ECHO_REPORT_SCREENSHOTS") is { Length: > 0 } keep)
                {
                    Directory.CreateDirectory(keep);
                    File.Copy(png, Path.Combine(keep, $"{name}.png"), overwrite: true);
                }

                // A blank 1400×900 page compresses to a few KiB; charts and text make it far larger.
                Assert.True(new FileInfo(png).Length > 20_000, $"{name}: the screenshot is {new FileInfo(png).Length} bytes: a blank page?");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Screenshot(string chromium, string page, string png, string profile)
    {
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={Path.Combine(profile, "chromium")}",
            "--window-size=1400,900", $"--screenshot={png}", new Uri(page).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish its screenshot within 90 s");
        }

        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {process.ExitCode}): {errors.Result}{output.Result}");
    }

    /// <summary>The page's landmarks in document order: the elements that carry an id or the cell class.</summary>
    private static List<(string Name, int Index)> Landmarks(string html) =>
        [.. LandmarkPattern().Matches(html).Select(m => (m.Groups["id"].Success ? m.Groups["id"].Value : "cell " + m.Groups["cell"].Value, m.Index))
            .Where(l => l.Item1 is "command" or "overview" or "tables" or "notes" || l.Item1.StartsWith("cell ", StringComparison.Ordinal))];

    private static int Count(string text, string what) => (text.Length - text.Replace(what, string.Empty, StringComparison.Ordinal).Length) / what.Length;

    [GeneratedRegex("""<(?:[a-z0-9]+) (?:id="(?<id>[a-z-]+)"|class="cell">(?<cell>[a-z0-9]+):)""")]
    private static partial Regex LandmarkPattern();
}
