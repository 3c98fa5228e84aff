using System.Globalization;
using System.Text;

namespace EchoServers.Load.Metrics;

/// <summary>
/// <see cref="LoadMetricsView"/> in the Prometheus text exposition format (version 0.0.4). Names start with
/// <c>echoload_</c>; counters end in <c>_total</c>, times are in seconds, as Prometheus's conventions ask.
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Format(LoadMetricsView v)
    {
        var s = new StringBuilder(4096);
        var t = v.Totals;
        Counter(s, "echoload_messages_sent_total", "Messages sent (every phase, every run of this command)", t.Sent);
        Counter(s, "echoload_messages_answered_total", "Correct replies received (every phase, every run of this command)", t.Answered);
        Header(s, "echoload_errors_total", "counter", "Messages lost or wrong, by kind; connect failures of reconnecting connections");
        Sample(s, "echoload_errors_total", "kind=\"mismatch\"", t.Mismatch);
        Sample(s, "echoload_errors_total", "kind=\"reorder\"", t.Reorder);
        Sample(s, "echoload_errors_total", "kind=\"reset\"", t.Reset);
        Sample(s, "echoload_errors_total", "kind=\"eof\"", t.Eof);
        Sample(s, "echoload_errors_total", "kind=\"timeout\"", t.Timeout);
        Sample(s, "echoload_errors_total", "kind=\"overflow\"", t.Overflow);
        Sample(s, "echoload_errors_total", "kind=\"missing\"", t.Missing);
        Sample(s, "echoload_errors_total", "kind=\"connect\"", t.Connect);
        Counter(s, "echoload_reconnects_total", "Connections opened again by the I/O threads (churn)", t.Connects);
        Header(s, "echoload_connections", "gauge", "Connections open now");
        Sample(s, "echoload_connections", null, v.Connections);
        Header(s, "echoload_target_rate", "gauge", "Open model: the messages per second the load simulation asks for now (0 between runs); absent in the closed model");
        if (v.TargetRate is { } target)
        {
            Sample(s, "echoload_target_rate", null, target);
        }

        Header(s, "echoload_achieved_rate", "gauge", "Messages sent per second over the last second");
        Sample(s, "echoload_achieved_rate", null, v.AchievedRate);
        Counter(s, "echoload_runs_total", "Runs started by this command (sweep and bench run many)", v.Runs);
        Header(s, "echoload_latency_seconds", "histogram", "Reply latency, from when the message was due (coordinated-omission free)");
        for (var i = 0; i < LatencyBuckets.BoundsUs.Length; i++)
        {
            Sample(s, "echoload_latency_seconds_bucket", $"le=\"{(LatencyBuckets.BoundsUs[i] / 1e6).ToString("R", CultureInfo.InvariantCulture)}\"", v.LatencyBuckets[i]);
        }

        Sample(s, "echoload_latency_seconds_bucket", "le=\"+Inf\"", v.LatencyCount);
        Sample(s, "echoload_latency_seconds_sum", null, v.LatencySumUs / 1e6);
        Sample(s, "echoload_latency_seconds_count", null, v.LatencyCount);
        return s.ToString();
    }

    private static void Counter(StringBuilder s, string name, string help, long value)
    {
        Header(s, name, "counter", help);
        Sample(s, name, null, value);
    }

    private static void Header(StringBuilder s, string name, string type, string help) =>
        s.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder s, string name, string? labels, double value)
    {
        s.Append(name);
        if (labels is not null)
        {
            s.Append('{').Append(labels).Append('}');
        }

        s.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
