using System.Globalization;
using System.Net;
using System.Text;
using HdrHistogram;

namespace EchoServers.Load.Reports;

/// <summary>
/// <c>--report DIR</c>: report.md (summary, percentiles, per-second table) and report.html (the same with a
/// latency-percentile chart and throughput/p99-over-time charts, inline SVG, no external files).
/// </summary>
public static class HtmlReport
{
    /// <summary>Percentiles drawn on the percentile chart: 0, 90, 99, 99.9 … evenly on the log(1/(1−p)) axis.</summary>
    private static readonly double[] ChartPercentiles = [.. Enumerable.Range(0, 41).Select(k => 100 * (1 - Math.Pow(10, -k / 10.0)))];

    public static void WriteDirectory(LoadResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown(result));
        File.WriteAllText(Path.Combine(directory, "report.html"), Html(result));
    }

    public static string Markdown(LoadResult r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# echo-load run: {r.Target}").AppendLine();
        md.AppendLine("```").Append(SummaryText.Format(r)).AppendLine("```").AppendLine();
        md.AppendLine("| | p50 | p90 | p99 | p99.9 | p99.99 | max | mean |").AppendLine("|---|---|---|---|---|---|---|---|");
        md.AppendLine(Row("latency (from intended send)", r.LatencyUs));
        md.AppendLine(Row("service time (from actual send)", r.ServiceTimeUs));
        if (r.SendLatenessUs is { } late)
        {
            md.AppendLine(Row("send lateness", late));
        }

        md.AppendLine(Row("connect", r.ConnectLatencyUs));
        if (r.Tls is { } tls)
        {
            md.AppendLine(Row("TLS handshake", tls.HandshakeUs));
        }

        md.AppendLine(Row("first reply (per connection)", r.FirstReplyUs)).AppendLine();
        var f = r.Fairness;
        md.AppendLine(CultureInfo.InvariantCulture, $"Starved connections (no reply within the first-reply timeout): **{r.Starved}**. Fairness over the measured window: Jain's index **{f.Jain:0.###}**; shares of the fair share min {f.MinShare:0.###}, median {f.MedianShare:0.###}, max {f.MaxShare:0.###}.").AppendLine();
        md.AppendLine("| second | phase | msgs/s | p50 | p99 | max | errors | connections | cpu % |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in r.PerSecond)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Second:0.###} | {s.Phase} | {Format.Rate(s.MessagesPerSecond)} | {Format.Us(s.P50Us)} | {Format.Us(s.P99Us)} | {Format.Us(s.MaxUs)} | {s.Errors} | {s.ActiveConnections} | {s.CpuPercent:0} |");
        }

        return md.ToString();
    }

    public static string Html(LoadResult r)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>echo-load report</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1500px;margin:2em auto;padding:0 1em}pre{background:#f6f6f6;padding:1em;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}.charts{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<h1>echo-load run: {WebUtility.HtmlEncode(r.Target)}</h1>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p><strong>{(r.Valid ? "valid" : "INVALID")}</strong>; engine {WebUtility.HtmlEncode(SummaryText.EngineText(r))}</p>");

        // The picture first (latency by percentile, throughput and p99 over time), then the figures behind it.
        html.AppendLine("<div class=\"charts\" id=\"charts\"><div>");
        html.AppendLine("<h2>Latency by percentile</h2>");
        var curves = new List<(string, IReadOnlyList<(double, double)>)>();
        if (r.LatencyHistogram is { TotalCount: > 0 } latency)
        {
            curves.Add(("latency (from intended send)", PercentileCurve(latency)));
        }

        if (r.ServiceHistogram is { TotalCount: > 0 } service)
        {
            curves.Add(("service time (from actual send)", PercentileCurve(service)));
        }

        html.AppendLine(SvgChart.Lines("latency by percentile", "percentile", "latency", curves,
            x => $"{100 * (1 - Math.Pow(10, -x)):0.###}%", y => Format.Us(y)));
        html.AppendLine("</div><div><h2>Throughput over time</h2>");
        html.AppendLine(SvgChart.Lines("throughput", "second", "msgs/s",
            [("msgs/s", [.. r.PerSecond.Select(s => (s.Second, s.MessagesPerSecond))])], yLabel: Format.Rate));
        html.AppendLine("</div><div><h2>p99 latency over time</h2>");
        html.AppendLine(SvgChart.Lines("p99 per second", "second", "p99",
            [("p99", [.. r.PerSecond.Select(s => (s.Second, (double)s.P99Us))]), ("max", [.. r.PerSecond.Select(s => (s.Second, (double)s.MaxUs))])],
            yLabel: Format.Us));
        html.AppendLine("</div></div>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<pre id=\"summary\">{WebUtility.HtmlEncode(SummaryText.Format(r))}</pre>");
        var f = r.Fairness;
        html.AppendLine("<h2>First reply, starved, fairness</h2><table><tr><th></th><th>p50</th><th>p99</th><th>max</th></tr>");
        html.AppendLine($"<tr><td>connect start → established</td><td>{Format.Us(r.ConnectUs.P50)}</td><td>{Format.Us(r.ConnectUs.P99)}</td><td>{Format.Us(r.ConnectUs.Max)}</td></tr>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>connects: {r.Connects:#,0} in all, {Format.Rate(r.ConnectsPerSecond)}/s measured, {r.ConnectFailures.Total} failed (refused {r.ConnectFailures.Refused}, reset {r.ConnectFailures.Reset}, timeout {r.ConnectFailures.Timeout}, out of ports {r.ConnectFailures.OutOfPorts}), {r.Reconnects} reconnects; p99.9</td><td colspan=\"3\">{Format.Us(r.ConnectUs.P999)}</td></tr>");
        if (r.Tls is { } tls)
        {
            html.AppendLine($"<tr><td>TLS handshake ({WebUtility.HtmlEncode(tls.Negotiated)}): {tls.Handshakes:#,0} in all, {tls.HandshakeFailures} failed</td><td>{Format.Us(tls.HandshakeUs.P50)}</td><td>{Format.Us(tls.HandshakeUs.P99)}</td><td>{Format.Us(tls.HandshakeUs.Max)}</td></tr>");
        }

        html.AppendLine($"<tr><td>connect start → first reply</td><td>{Format.Us(r.FirstReplyUs.P50)}</td><td>{Format.Us(r.FirstReplyUs.P99)}</td><td>{Format.Us(r.FirstReplyUs.Max)}</td></tr></table>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<p>starved <strong>{r.Starved}</strong>; Jain's fairness index <strong>{f.Jain:0.###}</strong> (share of the fair share min {f.MinShare:0.###}, median {f.MedianShare:0.###}, max {f.MaxShare:0.###}); start {WebUtility.HtmlEncode(r.Start)}</p>");
        html.AppendLine("<h2>Per second</h2><table><tr><th>second</th><th>phase</th><th>msgs/s</th><th>p50</th><th>p99</th><th>max</th><th>errors</th><th>connections</th><th>cpu %</th></tr>");
        foreach (var s in r.PerSecond)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<tr><td>{s.Second:0.###}</td><td>{WebUtility.HtmlEncode(s.Phase)}</td><td>{Format.Rate(s.MessagesPerSecond)}</td><td>{Format.Us(s.P50Us)}</td><td>{Format.Us(s.P99Us)}</td><td>{Format.Us(s.MaxUs)}</td><td>{s.Errors}</td><td>{s.ActiveConnections}</td><td>{s.CpuPercent:0}</td></tr>");
        }

        return html.AppendLine("</table></body></html>").ToString();
    }

    /// <summary>(log10(1/(1−p)), value) points, so 90 %, 99 %, 99.9 % are evenly spaced.</summary>
    private static List<(double, double)> PercentileCurve(HistogramBase histogram) =>
        [.. ChartPercentiles.Select(p => (-Math.Log10(1 - (p / 100)), (double)histogram.GetValueAtPercentile(p)))];

    private static string Row(string name, Measurement.LatencySummary l) =>
        $"| {name} | {Format.Us(l.P50)} | {Format.Us(l.P90)} | {Format.Us(l.P99)} | {Format.Us(l.P999)} | {Format.Us(l.P9999)} | {Format.Us(l.Max)} | {Format.Us(l.Mean)} |";
}
