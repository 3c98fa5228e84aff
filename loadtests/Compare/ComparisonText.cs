using System.Globalization;
using System.Text;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Compare;

/// <summary>A comparison as a plain-text table (CI logs: no terminal, no colours) and as Markdown.</summary>
public static class ComparisonText
{
    private static readonly string[] Header = ["entry", "metric", "base", "new", "change", "base range", "new range", "verdict"];

    public static string Plain(Comparison c)
    {
        var rows = Cells(c);
        var widths = Enumerable.Range(0, Header.Length).Select(i => rows.Prepend(Header).Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        text.AppendLine(Intro(c));
        foreach (var row in rows.Prepend(Header))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i is 0 or 1 or 7 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        }

        text.Append(Outro(c));
        return text.ToString();
    }

    public static string Markdown(Comparison c)
    {
        var md = new StringBuilder();
        md.AppendLine("# echo-load compare");
        md.AppendLine();
        md.AppendLine(Intro(c));
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Header) + " |");
        md.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", Header.Length)));
        foreach (var row in Cells(c))
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }

        md.AppendLine();
        md.Append(Outro(c).Replace("\n", "\n\n", StringComparison.Ordinal));
        return md.ToString();
    }

    private static string Intro(Comparison c) =>
        $"compare {c.Base.Kind} reports: base {c.Base.Path}, new {c.New.Path}; regression = worse by more than {Percent(c.Threshold)} and outside the noise "
        + (c.Base.Kind == "bench" ? "(each value inside the other's min–max over passes)" : "(each value inside the other's per-second min–max)");

    private static string Outro(Comparison c)
    {
        var text = new StringBuilder();
        foreach (var line in c.Unmatched)
        {
            text.AppendLine($"not compared: {line}");
        }

        var regressions = c.Regressions.ToArray();
        text.AppendLine(regressions.Length == 0
            ? $"result: no regression beyond {Percent(c.Threshold)} ({c.Rows.Count} figures compared)"
            : $"result: {regressions.Length} regression(s) beyond {Percent(c.Threshold)}: " + string.Join(", ", regressions.Select(r => $"{r.Entry} {r.Metric.Name} {Change(r)}")));
        return text.ToString();
    }

    private static List<string[]> Cells(Comparison c) =>
        [.. c.Rows.Select(r => new[]
        {
            r.Entry, r.Metric.Name, Value(r.Metric, r.Base.Value), Value(r.Metric, r.New.Value), Change(r),
            Range(r.Metric, r.Base), Range(r.Metric, r.New), r.Verdict(c.Threshold),
        })];

    /// <summary>The signed change of the value itself (+10 % = it grew), not of "worse".</summary>
    private static string Change(ComparisonRow r)
    {
        if (r.Base.Value == r.New.Value)
        {
            return "0 %";
        }

        if (r.Base.Value == 0)
        {
            return "new";
        }

        var change = (r.New.Value - r.Base.Value) / Math.Abs(r.Base.Value);
        return (change > 0 ? "+" : string.Empty) + (change * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
    }

    private static string Range(CompareMetric metric, MeasuredValue value) =>
        value.HasRange ? $"{Value(metric, value.Min!.Value)}–{Value(metric, value.Max!.Value)}" : "—";

    private static string Value(CompareMetric metric, double value) => metric.Unit == "us"
        ? Format.Us(value)
        : metric == CompareMetric.Rate || metric == CompareMetric.Errors || metric == CompareMetric.IdleMemory
            ? Format.Rate(value)
            : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";
}
