using System.Globalization;
using System.Text;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>
/// One bench cell's charts: idle cells their RSS per connection; load cells the throughput bars (median, min–max
/// whisker, ratio to the reference above each bar), storm cells also the p99 time to first reply, and the
/// latency-percentile curves (all passes' messages, log-scaled latency).
/// </summary>
internal static class BenchCellCharts
{
    public static string Svg(BenchResult r, BenchCell cell, IReadOnlyDictionary<string, int> colours)
    {
        var html = new StringBuilder();
        var summaries = r.Models.Select(m => r.Summary(m, cell.Name)).OfType<BenchSummary>().ToArray();
        if (cell.Idle)
        {
            return html.AppendLine(SvgBarChart.Bars($"{cell.Name}: RSS per idle connection", "KiB per connection",
                [.. summaries.Where(s => s.IdleBytesPerConnection is not null).Select(s => new SvgBarChart.Bar(
                    s.Model, s.IdleBytesPerConnection!.Median / 1024, s.IdleBytesPerConnection.Min / 1024, s.IdleBytesPerConnection.Max / 1024,
                    BenchReport.KiB(s.IdleBytesPerConnection.Median), colours[s.Model]))],
                y => y.ToString("0.#", CultureInfo.InvariantCulture))).ToString();
        }

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
        return html.AppendLine(SvgChart.Lines($"{cell.Name}: latency by percentile", "percentile", "latency (log scale)", curves,
            x => $"{100 * (1 - Math.Pow(10, -x)):0.###}%", y => Format.Us(Math.Pow(10, y)))).ToString();
    }
}
