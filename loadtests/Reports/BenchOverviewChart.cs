using System.Globalization;
using System.Net;
using System.Text;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>
/// The bench at a glance, the first thing its HTML page shows: per load cell, one horizontal bar per row for its
/// server CPU per message (median over passes; the least noisy figure), the reference row outlined and labelled,
/// and beside each bar the row's throughput ratio to the reference. Bars of a cell share one scale (cells differ by
/// orders of magnitude: a churn cell's connects cost far more per message than a pipelined one's).
/// </summary>
internal static class BenchOverviewChart
{
    private const int Width = 900;
    private const int LabelWidth = 190;
    private const int BarSpace = 470;
    private const int RowHeight = 18;
    private const int CellGap = 26;

    public static string Svg(BenchResult r)
    {
        var colours = r.Models.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i);
        var groups = r.Cells.Where(c => !c.Idle)
            .Select(c => (Cell: c, Rows: r.Models.Select(m => r.Summary(m, c.Name)).OfType<BenchSummary>().Where(s => s.ServerCpuUsPerMessage is not null).ToList()))
            .Where(g => g.Rows.Count > 0)
            .ToList();
        var body = new StringBuilder();
        var y = 34;
        foreach (var (cell, rows) in groups)
        {
            y += CellGap - 8;
            body.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y}\" font-size=\"13\" font-weight=\"bold\">{WebUtility.HtmlEncode(cell.Name)}</text>");
            body.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth}\" y=\"{y}\" font-size=\"11\" fill=\"#555\">{WebUtility.HtmlEncode(cell.Title)}</text>");
            y += 6;
            var max = Math.Max(rows.Max(s => s.ServerCpuUsPerMessage!.Median), 1e-9);
            foreach (var s in rows)
            {
                var reference = s.Model == r.Reference;
                var cpu = s.ServerCpuUsPerMessage!.Median;
                var width = Math.Max(1, cpu / max * BarSpace);
                var colour = SvgChart.Colours[colours[s.Model] % SvgChart.Colours.Length];
                var label = reference ? $"{s.Model} (reference)" : s.Model;
                body.Append(CultureInfo.InvariantCulture, $"<g class=\"row{(reference ? " reference" : string.Empty)}\">");
                body.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 13}\" font-size=\"12\" text-anchor=\"end\"{(reference ? " font-weight=\"bold\"" : string.Empty)}>{WebUtility.HtmlEncode(label)}</text>");
                body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y + 2}\" width=\"{width:0.#}\" height=\"{RowHeight - 4}\" fill=\"{colour}\" opacity=\"{(reference ? "0.45" : "0.85")}\"{(reference ? " stroke=\"#000\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"" : string.Empty)}/>");
                body.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + width + 6:0.#}\" y=\"{y + 13}\" font-size=\"11\">{BenchReport.Number(cpu)} µs</text>");
                var ratio = reference ? "reference" : s.RatioToReference is { } spread ? BenchReport.Ratio(spread.Median) : string.Empty;
                body.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - 8}\" y=\"{y + 13}\" font-size=\"12\" text-anchor=\"end\">{WebUtility.HtmlEncode(ratio)}</text>");
                body.Append("</g>");
                y += RowHeight;
            }
        }

        var height = y + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"overview\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">");
        svg.Append("<title>server CPU per message per row and cell, throughput ratio to the reference</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth}\" y=\"14\" font-size=\"12\" font-weight=\"bold\">server CPU µs per message (median over passes; shorter is cheaper)</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - 8}\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"end\">{(r.Reference is null ? string.Empty : "msgs/s ÷ reference")}</text>");
        if (groups.Count == 0)
        {
            svg.Append("<text x=\"4\" y=\"40\" font-size=\"12\">no server CPU figures (no load cell ran)</text>");
        }

        return svg.Append(body).Append("</svg>").ToString();
    }
}
