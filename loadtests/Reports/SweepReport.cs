using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EchoServers.Load.Sweep;

namespace EchoServers.Load.Reports;

/// <summary>A sweep as text (the console), Markdown, one self-contained HTML page with its chart, and JSON.</summary>
public static class SweepReport
{
    public const string MarkdownFile = "sweep.md";
    public const string HtmlFile = "sweep.html";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One progress line per try (a confirming re-run says which try it is).</summary>
    public static string StepLine(SweepStep s) =>
        $"step {s.Index,2} {s.Phase,-9}{(s.Try > 1 ? $" try {s.Try}" : string.Empty)} target {Format.Rate(s.TargetRate),9}/s  achieved {Format.Rate(s.AchievedRate),9}/s  "
        + $"p50 {Format.Us(s.P50Us),7}  p99 {Format.Us(s.P99Us),7}  p99.9 {Format.Us(s.P999Us),7}  errors {s.Errors}  gen cpu {s.GeneratorCpuPercentOfCore.ToString("0", CultureInfo.InvariantCulture)}%  "
        + Outcome(s, "ok", "FAIL") + (s.GeneratorLimit is null ? string.Empty : $" [generator: {s.GeneratorLimit}]");

    /// <summary>The console summary: what ran, the steps, the conclusion.</summary>
    public static string Text(SweepResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"target        {r.Target}  ({r.Load})");
        text.AppendLine(CultureInfo.InvariantCulture, $"objective     {r.Objective}, achieved ≥ 99 % of target, no errors; {r.StepDurationSeconds:0.##}s per step after {r.WarmupSeconds:0.##}s warm-up");
        text.AppendLine(CultureInfo.InvariantCulture, $"steps         {r.Steps.Count} tries; a failing rate re-run {r.Confirm} time(s) before it counted, {r.OverturnedFailures} failure(s) overturned");
        foreach (var step in r.Steps.OrderBy(s => s.TargetRate))
        {
            text.AppendLine("  " + StepLine(step));
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"capacity      {(r.Capacity is { } c ? (r.CapacityIsLowerBound ? "≥ " : string.Empty) + Format.Rate(c) + " msgs/s" : "none")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"limit         {r.Limit}: {r.Conclusion}");
        return text.ToString();
    }

    /// <summary>The sweep as Markdown: conclusion and the step table (by rate).</summary>
    public static string Markdown(SweepResult r)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# echo-load sweep: {r.Name}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Target `{r.Target}` ({r.Load}); objective `{r.Objective}`, achieved ≥ 99 % of the target and no errors; "
            + $"{r.StepDurationSeconds:0.##} s per step after {r.WarmupSeconds:0.##} s warm-up; precision {r.Precision * 100:0.#} %; "
            + $"a failing rate was re-run {r.Confirm} time(s) before it counted (every try is listed; {r.OverturnedFailures} failure(s) overturned by a passing re-run).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**Capacity: {(r.Capacity is { } c ? (r.CapacityIsLowerBound ? "≥ " : string.Empty) + Format.Rate(c) + " msgs/s" : "none")}** ({r.Limit}): {r.Conclusion}");
        md.AppendLine();
        md.Append(StepTable(r.Steps));
        return md.ToString();
    }

    /// <summary>The steps, by target rate, as a Markdown table.</summary>
    public static string StepTable(IReadOnlyList<SweepStep> steps)
    {
        var md = new StringBuilder();
        md.AppendLine("| step | target msgs/s | achieved msgs/s | p50 | p99 | p99.9 | errors | generator CPU | send lateness p99 | result |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in steps.OrderBy(s => s.TargetRate))
        {
            var result = Outcome(s, "ok", "fail") + (s.GeneratorLimit is null ? string.Empty : $" — generator: {s.GeneratorLimit}");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Index} {s.Phase}{(s.Try > 1 ? $" (try {s.Try})" : string.Empty)} | {Format.Rate(s.TargetRate)} | {Format.Rate(s.AchievedRate)} | {Format.Us(s.P50Us)} | {Format.Us(s.P99Us)} | {Format.Us(s.P999Us)} | {s.Errors} | {s.GeneratorCpuPercentOfCore:0} % | {Format.Us(s.SendLatenessP99Us)} | {result} |");
        }

        return md.ToString();
    }

    /// <summary>A try's result; a failure a later try at the same rate passed is marked as not counted.</summary>
    private static string Outcome(SweepStep s, string ok, string fail) =>
        s.Passed ? ok : (s.Overturned ? $"{fail} (overturned by a passing re-run, not counted): " : $"{fail}: ") + string.Join("; ", s.Failures);

    /// <summary>The bench report's sweep section: each row's capacity, then its steps (nothing without sweeps).</summary>
    public static string BenchSection(IReadOnlyList<SweepResult> sweeps)
    {
        if (sweeps.Count == 0)
        {
            return string.Empty;
        }

        var md = new StringBuilder();
        md.AppendLine().AppendLine("## Capacity sweep").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The highest open-model rate that met `{sweeps[0].Objective}` (achieved ≥ 99 % of the target, no errors), {sweeps[0].StepDurationSeconds:0.#} s per step after {sweeps[0].WarmupSeconds:0.#} s; ≥ marks a lower bound (the generator or --max-rate ended the sweep, not the server). The chart (HTML) puts every row's p99 against its achieved rate.").AppendLine();
        md.AppendLine("| row | capacity msgs/s | ended by | steps | conclusion |").AppendLine("|---|---|---|---|---|");
        foreach (var s in sweeps)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {(s.Capacity is { } c ? (s.CapacityIsLowerBound ? "≥ " : string.Empty) + Format.Rate(c) : "none")} | {s.Limit} | {s.Steps.Count} | {s.Conclusion.Replace("|", "/", StringComparison.Ordinal)} |");
        }

        foreach (var s in sweeps)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"### Sweep steps: {s.Name}").AppendLine();
            md.Append(StepTable(s.Steps));
        }

        return md.ToString();
    }

    /// <summary>One self-contained page: the Markdown's content and the latency-vs-throughput chart.</summary>
    public static string Html(SweepResult r)
    {
        var html = new StringBuilder();
        html.AppendLine(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>echo-load sweep: {WebUtility.HtmlEncode(r.Name)}</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}code{background:#f6f6f6}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child,td:last-child{text-align:left}</style></head><body>");
        html.AppendLine(CultureInfo.InvariantCulture, $"<h1>echo-load sweep: {WebUtility.HtmlEncode(r.Name)}</h1>");
        html.AppendLine(MarkdownTables.ToHtml(Markdown(r)));
        html.AppendLine(SweepChart.Percentiles(r));
        return html.AppendLine("</body></html>").ToString();
    }

    public static string Json(SweepResult r) => JsonSerializer.Serialize(r, JsonOptions);

    /// <summary>Writes sweep.md and sweep.html into <paramref name="directory"/>.</summary>
    public static void WriteDirectory(SweepResult r, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(r));
        File.WriteAllText(Path.Combine(directory, HtmlFile), Html(r));
    }
}
