using System.Globalization;
using EchoServers.Load.Reports;
using EchoServers.Protocol.Text;

namespace EchoServers.Load.Assertions;

/// <summary>
/// Parses <c>--assert</c>: <c>METRIC OP VALUE</c> with OP one of <c>&lt; &lt;= &gt; &gt;= == !=</c>. Latency metrics
/// (p50, p90, p99, p99.9, p99.99, max, mean; <c>service-p99</c> etc. for service time) take a duration with its unit
/// (<c>2ms</c>), and so do the same percentiles of each connection's time to first reply (<c>first_reply.p99</c>) and
/// to established (<c>connect.p99</c>); counts (errors, mismatch, reset, eof, timeout, reorder, missing,
/// connect-failures, served, established, starved; churn: connects, reconnects, connect_failed, refused,
/// connect_reset, connect_timeout, out_of_ports) and rates (rate, achieved-rate in msgs/s; connects_per_second; cpu-us-per-msg) take
/// plain numbers, as do <c>fairness</c> (Jain's index) and <c>min_share</c>, <c>median_share</c>, <c>max_share</c>;
/// <c>valid</c> alone asserts the run is valid.
/// </summary>
public static class AssertionParser
{
    private static readonly string[] Operators = ["<=", ">=", "==", "!=", "<", ">"];

    private static readonly Dictionary<string, double> LatencyPercentiles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["p50"] = 50,
        ["p90"] = 90,
        ["p99"] = 99,
        ["p99.9"] = 99.9,
        ["p999"] = 99.9,
        ["p99.99"] = 99.99,
        ["p9999"] = 99.99,
        ["max"] = 100,
        ["mean"] = -1,
    };

    private static readonly Dictionary<string, Func<LoadResult, double>> Plain = new(StringComparer.OrdinalIgnoreCase)
    {
        ["errors"] = r => r.Errors.Total,
        ["mismatch"] = r => r.Errors.Mismatch,
        ["reset"] = r => r.Errors.Reset,
        ["eof"] = r => r.Errors.Eof,
        ["timeout"] = r => r.Errors.Timeout,
        ["reorder"] = r => r.Errors.Reorder,
        ["missing"] = r => r.Errors.Missing,
        ["connect-failures"] = r => r.Connections.Failed,
        ["established"] = r => r.Connections.Established,
        ["served"] = r => r.Connections.Served,
        ["messages"] = r => r.Messages,
        ["rate"] = r => r.MessagesPerSecond,
        ["achieved-rate"] = r => r.AchievedRate ?? r.MessagesPerSecond,
        ["cpu-us-per-msg"] = r => r.Generator.CpuUsPerMessage,
        ["valid"] = r => r.Valid ? 1 : 0,
        ["starved"] = r => r.Starved,
        ["connects"] = r => r.Connects,
        ["connects_per_second"] = r => r.ConnectsPerSecond,
        ["connects-per-second"] = r => r.ConnectsPerSecond,
        ["connect-rate"] = r => r.ConnectsPerSecond,
        ["reconnects"] = r => r.Reconnects,
        ["connect_failed"] = r => r.ConnectFailures.Total,
        ["refused"] = r => r.ConnectFailures.Refused,
        ["connect_reset"] = r => r.ConnectFailures.Reset,
        ["connect_timeout"] = r => r.ConnectFailures.Timeout,
        ["out_of_ports"] = r => r.ConnectFailures.OutOfPorts,
        ["fairness"] = r => r.Fairness.Jain,
        ["jain"] = r => r.Fairness.Jain,
        ["min_share"] = r => r.Fairness.MinShare,
        ["median_share"] = r => r.Fairness.MedianShare,
        ["max_share"] = r => r.Fairness.MaxShare,
    };

    /// <summary>Prefixes of latency metrics other than the messages' latency, and the canonical prefix each maps to.</summary>
    private static readonly (string Prefix, string Canonical)[] LatencyPrefixes =
    [
        ("service-", "service-"),
        ("first_reply.", "first_reply."),
        ("first-reply.", "first_reply."),
        ("first_reply_", "first_reply."),
        ("first-reply-", "first_reply."),
        ("connect.", "connect."),
    ];

    /// <summary>Splits a latency metric into its canonical prefix (empty for the messages' latency) and percentile name.</summary>
    private static (string Prefix, string Name) SplitLatency(string metric)
    {
        foreach (var (prefix, canonical) in LatencyPrefixes)
        {
            if (metric.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return (canonical, metric[prefix.Length..]);
            }
        }

        return (string.Empty, metric);
    }

    /// <summary>Parses one assertion; on failure <paramref name="error"/> is one line naming what is wrong.</summary>
    public static bool TryParse(string text, out Assertion assertion, out string error)
    {
        assertion = null!;
        error = string.Empty;
        var trimmed = text.Trim();
        if (trimmed.Equals("valid", StringComparison.OrdinalIgnoreCase))
        {
            assertion = new Assertion(trimmed, "valid", AssertionOperator.Equal, 1, string.Empty);
            return true;
        }

        var op = Operators.Select(o => (o, at: trimmed.IndexOf(o, StringComparison.Ordinal))).Where(x => x.at > 0)
            .OrderBy(x => x.at).ThenByDescending(x => x.o.Length).FirstOrDefault();
        if (op.o is null)
        {
            error = $"--assert '{text}': expected METRIC OP VALUE, e.g. p99<2ms, errors==0, rate>=50000";
            return false;
        }

        var metric = trimmed[..op.at].Trim();
        var valueText = trimmed[(op.at + op.o.Length)..].Trim();
        var kind = op.o switch
        {
            "<" => AssertionOperator.Less,
            "<=" => AssertionOperator.LessOrEqual,
            ">" => AssertionOperator.Greater,
            ">=" => AssertionOperator.GreaterOrEqual,
            "==" => AssertionOperator.Equal,
            _ => AssertionOperator.NotEqual,
        };

        var (latencyPrefix, latencyName) = SplitLatency(metric);
        if (LatencyPercentiles.ContainsKey(latencyName))
        {
            if (!DurationText.TryParse(valueText, out var duration, out var reason))
            {
                error = $"--assert '{text}': {reason}";
                return false;
            }

            assertion = new Assertion(trimmed, latencyPrefix + latencyName.ToLowerInvariant(), kind, duration.TotalMicroseconds, "us");
            return true;
        }

        if (!Plain.ContainsKey(metric))
        {
            error = $"--assert '{text}': unknown metric '{metric}' (use p50, p90, p99, p99.9, p99.99, max, mean, service-p99, first_reply.p99, connect.p99, errors, mismatch, reset, eof, timeout, reorder, missing, connect-failures, established, served, messages, rate, achieved-rate, cpu-us-per-msg, starved, connects, connects_per_second, reconnects, connect_failed, refused, connect_reset, connect_timeout, out_of_ports, fairness, min_share, median_share, max_share, valid)";
            return false;
        }

        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
        {
            error = $"--assert '{text}': '{valueText}' is not a number";
            return false;
        }

        if (!double.IsFinite(threshold))
        {
            error = $"--assert '{text}': '{valueText}' is not a finite number";
            return false;
        }

        assertion = new Assertion(trimmed, metric.ToLowerInvariant(), kind, threshold, string.Empty);
        return true;
    }

    /// <summary>The value of <paramref name="metric"/> in <paramref name="result"/> (latencies in µs).</summary>
    public static double ValueOf(string metric, LoadResult result)
    {
        var (prefix, name) = SplitLatency(metric);
        if (LatencyPercentiles.TryGetValue(name, out var percentile))
        {
            var summary = prefix switch
            {
                "service-" => result.ServiceTimeUs,
                "first_reply." => result.FirstReplyUs,
                "connect." => result.ConnectUs,
                _ => result.LatencyUs,
            };
            return percentile < 0 ? summary.Mean : summary.AtPercentile(percentile);
        }

        return Plain[name](result);
    }
}
