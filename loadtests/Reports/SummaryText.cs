using System.Globalization;
using System.Text;

namespace EchoServers.Load.Reports;

/// <summary>The final summary as plain text (also the body of the Markdown report's first block).</summary>
public static class SummaryText
{
    public static string Format(LoadResult r)
    {
        var s = new StringBuilder();
        s.AppendLine($"target        {r.Target}  ({r.Framing} framing, expect {r.Expect}, {r.Size} B messages{(r.Model == "closed" ? $", pipeline {r.Pipeline}" : string.Empty)})");
        s.AppendLine($"load          {r.Model} model: {r.Load}  (+{r.WarmupSeconds:0.###}s warm-up)");
        s.AppendLine($"engine        {EngineText(r)}");
        if (r.Tls is { } tls)
        {
            var h = tls.HandshakeUs;
            s.AppendLine($"handshakes    {Reports.Format.Count(tls.Handshakes)} in all, {tls.HandshakeFailures} failed, {Reports.Format.Rate(tls.HandshakesPerSecond)}/s measured;"
                + $" p50 {Reports.Format.Us(h.P50)}  p99 {Reports.Format.Us(h.P99)}  max {Reports.Format.Us(h.Max)};"
                + $" generator cpu {(tls.GeneratorCpuUsPerHandshake is { } perHandshake ? Reports.Format.Us((long)Math.Round(perHandshake)) : "?")}/handshake ({tls.GeneratorCpuBasis}),"
                + string.Create(CultureInfo.InvariantCulture, $" {r.Generator.CpuUsPerMessage:0.###} us/msg"));
        }

        s.AppendLine($"connections   {r.Connections.Established} of {r.Connections.Requested} established, {r.Connections.Failed} failed, {r.Connections.Served} served;"
            + $" connect p50 {Reports.Format.Us(r.ConnectUs.P50)} max {Reports.Format.Us(r.ConnectUs.Max)}");
        var cf = r.ConnectFailures;
        s.AppendLine($"connects      {Reports.Format.Count(r.Connects)} in all, {Reports.Format.Rate(r.ConnectsPerSecond)}/s measured;"
            + $" connect p50 {Reports.Format.Us(r.ConnectUs.P50)} p99 {Reports.Format.Us(r.ConnectUs.P99)} p99.9 {Reports.Format.Us(r.ConnectUs.P999)};"
            + $" failed {cf.Total} (refused {cf.Refused}, reset {cf.Reset}, timeout {cf.Timeout}, out of ports {cf.OutOfPorts}, other {cf.Other}); {r.Reconnects} reconnects"
            + (r.MessagesPerConnection > 0 || r.ConnectionLifetimeSeconds > 0 || r.Reconnect
                ? $"; churn: {(r.MessagesPerConnection > 0 ? $"{r.MessagesPerConnection} msgs/conn" : "unlimited msgs/conn")}"
                    + (r.ConnectionLifetimeSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $", lifetime {r.ConnectionLifetimeSeconds:0.###}s") : string.Empty)
                    + (r.Reconnect ? ", --reconnect" : string.Empty)
                : string.Empty));
        var f = r.Fairness;
        s.AppendLine($"first reply   p50 {Reports.Format.Us(r.FirstReplyUs.P50)}  p99 {Reports.Format.Us(r.FirstReplyUs.P99)}  max {Reports.Format.Us(r.FirstReplyUs.Max)}"
            + $"  (connect p50 {Reports.Format.Us(r.ConnectUs.P50)} p99 {Reports.Format.Us(r.ConnectUs.P99)} max {Reports.Format.Us(r.ConnectUs.Max)}); {r.Starved} starved; start {r.Start}");
        s.AppendLine(CultureInfo.InvariantCulture, $"fairness      jain {f.Jain:0.###}; share of the fair share min {f.MinShare:0.###} median {f.MedianShare:0.###} max {f.MaxShare:0.###}");
        s.AppendLine($"messages      {Reports.Format.Count(r.Messages)} in {r.DurationSeconds:0.###}s = {Reports.Format.Rate(r.MessagesPerSecond)} msgs/s, {Reports.Format.Bytes(r.BytesPerSecond)}");
        if (r.TargetRate is { } target)
        {
            s.AppendLine($"rate          target {Reports.Format.Rate(target)}/s, achieved {Reports.Format.Rate(r.AchievedRate ?? 0)}/s"
                + (r.SendLatenessUs is { } late ? $"; send lateness p50 {Reports.Format.Us(late.P50)} p99 {Reports.Format.Us(late.P99)} max {Reports.Format.Us(late.Max)}" : string.Empty));
        }

        s.AppendLine($"latency       {Line(r.LatencyUs)}");
        s.AppendLine($"service time  {Line(r.ServiceTimeUs)}");
        var e = r.Errors;
        s.AppendLine($"errors        {e.Total} (mismatch {e.Mismatch}, reorder {e.Reorder}, reset {e.Reset}, eof {e.Eof}, timeout {e.Timeout}, missing {e.Missing}, overflow {e.Overflow}, connect {e.Connect}, starved {e.Starved})");
        var g = r.Generator;
        s.AppendLine($"generator     cpu {g.CpuPercentOfCores:0.#}% of {g.Cores} core(s), {g.CpuUsPerMessage:0.###} us/msg, {g.IoThreads} I/O thread(s), gc pauses {g.GcPauseMs:0.##} ms ({g.Gen0Collections} gen0), {g.AllocatedBytesPerMessage:0.###} B allocated/msg ({g.IoThreadAllocatedBytes} B by I/O threads in all"
            + (g.IoThreadAllocatedBytesPerMessage is { } io ? $", {io:0.###} B/msg by them while measured" : string.Empty) + ")");
        foreach (var warning in r.Warnings)
        {
            s.AppendLine($"warning       {warning}");
        }

        s.AppendLine($"valid         {(r.Valid ? "yes" : "NO")}");
        return s.ToString();
    }

    /// <summary>Which engine ran and, when its CPU was near all of its cores, that the generator is likely the bottleneck.</summary>
    public static string EngineText(LoadResult r)
    {
        var text = r.Tls is { } tls
            ? $"tls (SslStream, one task per connection): {tls.Negotiated}, certificate {tls.Trust}, server name {tls.ServerName}"
            : $"epoll (raw sockets, {r.Generator.IoThreads} I/O thread(s))";
        return r.Generator.LikelyBottleneck
            ? $"{text}; the generator is likely the bottleneck (cpu {r.Generator.CpuPercentOfCores:0}% of {r.Generator.Cores} core(s))"
            : text;
    }

    private static string Line(Measurement.LatencySummary l) =>
        $"p50 {Reports.Format.Us(l.P50)}  p90 {Reports.Format.Us(l.P90)}  p99 {Reports.Format.Us(l.P99)}  p99.9 {Reports.Format.Us(l.P999)}  p99.99 {Reports.Format.Us(l.P9999)}  max {Reports.Format.Us(l.Max)}  mean {Reports.Format.Us(l.Mean)}";
}
