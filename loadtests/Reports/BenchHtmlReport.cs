using System.Globalization;
using System.Net;
using System.Text;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>
/// The bench as one self-contained HTML page that opens on its picture: the command line once and the setup, then
/// the overview chart (server CPU per message per row and cell, the reference row marked, the throughput ratio
/// beside each bar), then the Markdown report's tables, then per cell its own small table with its charts beside it
/// (throughput bars with min–max whiskers, latency-percentile curves), then the notes and the servers. Inline SVG only.
/// </summary>
public static class BenchHtmlReport
{
    /// <summary>Sections of the Markdown report that close the page rather than open it.</summary>
    private static readonly string[] Closing = ["Notes", "Servers"];

    public static string Html(BenchResult r)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>echo-load bench</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em}code{background:#f6f6f6}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}small{color:#555}.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}</style></head><body>");
        html.AppendLine("<h1>echo-load bench</h1>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p id=\"command\"><code>{WebUtility.HtmlEncode(r.CommandLine)}</code></p>");
        var (preamble, sections) = Sections(BenchMarkdownReport.Markdown(r), r.CommandLine);
        html.AppendLine(MarkdownTables.ToHtml(preamble));
        html.AppendLine("<h2 id=\"overview-title\">Overview</h2>").AppendLine(BenchOverviewChart.Svg(r));
        html.AppendLine("<div id=\"tables\">");
        foreach (var (title, text) in sections.Where(s => !Closing.Contains(s.Title)))
        {
            html.AppendLine(MarkdownTables.ToHtml(text));
            if (title.StartsWith("Capacity sweep", StringComparison.Ordinal) && r.Sweeps.Count > 0)
            {
                html.AppendLine("<h3>Capacity sweep: latency vs throughput</h3>").AppendLine(SweepChart.Models(r.Sweeps));
            }
        }

        html.AppendLine("</div>");
        var colours = r.Models.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i);
        foreach (var cell in r.Cells)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<h2 class=\"cell\">{WebUtility.HtmlEncode(cell.Name)}: {WebUtility.HtmlEncode(cell.Title)}</h2><div class=\"charts\">");
            html.AppendLine(CellTable(r, cell));
            html.AppendLine(BenchCellCharts.Svg(r, cell, colours));
            html.AppendLine("</div>");
        }

        html.AppendLine("<div id=\"notes\">");
        foreach (var (_, text) in sections.Where(s => Closing.Contains(s.Title)))
        {
            html.AppendLine(MarkdownTables.ToHtml(text));
        }

        return html.AppendLine("</div></body></html>").ToString();
    }

    /// <summary>The Markdown report cut at its <c>## </c> headings; the preamble without the title and command line.</summary>
    private static (string Preamble, List<(string Title, string Text)> Sections) Sections(string markdown, string commandLine)
    {
        var parts = markdown.Split("\n## ");
        var commandLineLine = $"`{commandLine}`";
        var preamble = string.Join('\n', parts[0].Split('\n').Where(l => !l.StartsWith("# ", StringComparison.Ordinal) && l.TrimEnd('\r') != commandLineLine));
        var sections = parts.Skip(1).Select(p => (Title: p.Split('\n', 2)[0].Trim(), Text: "## " + p)).ToList();
        return (preamble, sections);
    }

    /// <summary>One cell's figures per row, beside its charts: the rate, the ratio, the server's CPU, the p99 (idle: memory).</summary>
    private static string CellTable(BenchResult r, BenchCell cell)
    {
        var html = new StringBuilder("<table class=\"cell-table\">");
        html.Append(cell.Idle
            ? "<tr><th>model</th><th>RSS per idle connection</th></tr>"
            : "<tr><th>model</th><th>msgs/s</th><th>× reference</th><th>CPU µs/msg</th><th>p99</th></tr>");
        foreach (var model in r.Models)
        {
            if (r.Summary(model, cell.Name) is not { } s)
            {
                continue;
            }

            var name = WebUtility.HtmlEncode(model == r.Reference ? $"{model} (reference)" : model);
            html.Append(cell.Idle
                ? $"<tr><td>{name}</td><td>{(s.IdleBytesPerConnection is { } idle ? BenchReport.KiB(idle.Median) : "—")}</td></tr>"
                : $"<tr><td>{name}</td><td>{BenchReport.RateSpread(s.MessagesPerSecond)}</td><td>{BenchReport.RatioSpread(s.RatioToReference)}</td><td>{BenchReport.CpuUs(s.ServerCpuUsPerMessage)}</td><td>{(s.LatencyP99Us is { } p99 ? Format.Us(p99) : "—")}</td></tr>");
        }

        return html.Append("</table>").ToString();
    }
}
