using System.Globalization;
using System.Net;
using System.Text;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>
/// The bench as one self-contained HTML page: the Markdown report's tables, then per cell a throughput bar chart
/// (median, min–max whisker, ratio to the reference above each bar) and latency-percentile curves (all passes'
/// messages, log-scaled latency), all inline SVG.
/// </summary>
public static class BenchHtmlReport
{
    public static string Html(BenchResult r)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>echo-load bench</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em}code{background:#f6f6f6}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}small{color:#555}.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}</style></head><body>");
        html.AppendLine("<h1>echo-load bench</h1>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p><code>{WebUtility.HtmlEncode(r.CommandLine)}</code></p>");
        html.AppendLine(MarkdownTables.ToHtml(BenchMarkdownReport.Markdown(r)));
        if (r.Sweeps.Count > 0)
        {
            html.AppendLine("<h2>Capacity sweep: latency vs throughput</h2>").AppendLine(SweepChart.Models(r.Sweeps));
        }

        var colours = r.Models.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i);
        foreach (var cell in r.Cells)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2>{WebUtility.HtmlEncode(cell.Name)}: {WebUtility.HtmlEncode(cell.Title)}</h2><div class=\"charts\">");
            var summaries = r.Models.Select(m => r.Summary(m, cell.Name)).OfType<BenchSummary>().ToArray();
            if (cell.Idle)
            {
                html.AppendLine(SvgBarChart.Bars($"{cell.Name}: RSS per idle connection", "KiB per connection",
                    [.. summaries.Where(s => s.IdleBytesPerConnection is not null).Select(s => new SvgBarChart.Bar(
                        s.Model, s.IdleBytesPerConnection!.Median / 1024, s.IdleBytesPerConnection.Min / 1024, s.IdleBytesPerConnection.Max / 1024,
                        BenchReport.KiB(s.IdleBytesPerConnection.Median), colours[s.Model]))],
                    y => y.ToString("0.#", CultureInfo.InvariantCulture)));
            }
            else
            {
                if (cell.Storm)
                {
                    // A storm is about waiting: how long the slowest 1 % of clients waited for their first reply.
                    html.AppendLine(SvgBarChart.Bars($"{cell.Name}: first reply p99", "ms",
                        [.. summaries.Where(s => s.FirstReplyP99Us is not null).Select(s => new SvgBarChart.Bar(
                            s.Model, s.FirstReplyP99Us!.Value / 1000, s.FirstReplyP99Us.Value / 1000, s.FirstReplyP99Us.Value / 1000,
                            $"{Format.Us(s.FirstReplyP99Us.Value)}, {s.StarvedMax:#,0} starved, J {s.FairnessMin:0.##}", colours[s.Model]))],
                        y => y.ToString("0.#", CultureInfo.InvariantCulture)));
                }

                html.AppendLine(SvgBarChart.Bars($"{cell.Name}: throughput", "msgs/s",
                    [.. summaries.Where(s => s.MessagesPerSecond is not null).Select(s => new SvgBarChart.Bar(
                        s.Model, s.MessagesPerSecond!.Median, s.MessagesPerSecond.Min, s.MessagesPerSecond.Max,
                        s.RatioToReference is { } ratio ? BenchReport.Ratio(ratio.Median) : BenchReport.Compact(s.MessagesPerSecond.Median), colours[s.Model]))],
                    BenchReport.Compact));
                var curves = r.Models.Select(m => (Name: m, Summary: r.Summary(m, cell.Name)))
                    .Select(p => (p.Name, Points: (IReadOnlyList<(double X, double Y)>)[.. (p.Summary?.LatencyCurve ?? []).Select(c => (-Math.Log10(Math.Max(1e-9, 1 - (c.Percentile / 100))), Math.Log10(Math.Max(1, c.Us))))]))
                    .ToList();

                // Log scales both ways: models differ by orders of magnitude in the tail, and 90 %, 99 %, 99.9 % are evenly spaced.
                html.AppendLine(SvgChart.Lines($"{cell.Name}: latency by percentile", "percentile", "latency (log scale)", curves,
                    x => $"{100 * (1 - Math.Pow(10, -x)):0.###}%", y => Format.Us(Math.Pow(10, y))));
            }

            html.AppendLine("</div>");
        }

        return html.AppendLine("</body></html>").ToString();
    }
}
