using System.Globalization;
using EchoServers.Load.Reports;
using EchoServers.Protocol.Text;

namespace EchoServers.Load.Assertions;

/// <summary>
/// Parses <c>--assert</c>: <c>METRIC OP VALUE</c> with OP one of <c>&lt; &lt;= &gt; &gt;= == !=</c>. Latency metrics
/// (p50, p90, p99, p99.9, p99.99, max, mean; <c>service-p99</c> etc. for service time) take a duration with its unit
/// (<c>2ms</c>); counts (errors, mismatch, reset, eof, timeout, reorder, missing, connect-failures, served,
/// established) and rates (rate, achieved-rate in msgs/s; cpu-us-per-msg) take plain numbers; <c>valid</c> alone
/// asserts the run is valid.
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
    };

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

        var latencyName = metric.StartsWith("service-", StringComparison.OrdinalIgnoreCase) ? metric["service-".Length..] : metric;
        if (LatencyPercentiles.ContainsKey(latencyName))
        {
            if (!DurationText.TryParse(valueText, out var duration, out var reason))
            {
                error = $"--assert '{text}': {reason}";
                return false;
            }

            assertion = new Assertion(trimmed, metric.ToLowerInvariant(), kind, duration.TotalMicroseconds, "us");
            return true;
        }

        if (!Plain.ContainsKey(metric))
        {
            error = $"--assert '{text}': unknown metric '{metric}' (use p50, p90, p99, p99.9, p99.99, max, mean, service-p99, errors, mismatch, reset, eof, timeout, reorder, missing, connect-failures, established, served, messages, rate, achieved-rate, cpu-us-per-msg, valid)";
            return false;
        }

        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
        {
            error = $"--assert '{text}': '{valueText}' is not a number";
            return false;
        }

        assertion = new Assertion(trimmed, metric.ToLowerInvariant(), kind, threshold, string.Empty);
        return true;
    }

    /// <summary>The value of <paramref name="metric"/> in <paramref name="result"/> (latencies in µs).</summary>
    public static double ValueOf(string metric, LoadResult result)
    {
        var service = metric.StartsWith("service-", StringComparison.Ordinal);
        var name = service ? metric["service-".Length..] : metric;
        if (LatencyPercentiles.TryGetValue(name, out var percentile))
        {
            var summary = service ? result.ServiceTimeUs : result.LatencyUs;
            return percentile < 0 ? summary.Mean : summary.AtPercentile(percentile);
        }

        return Plain[name](result);
    }
}
