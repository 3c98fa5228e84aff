using System.Text;
using EchoServers.Load.Compare;
using EchoServers.Load.Distributed;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Fuzz;

/// <summary>
/// echo-load's readers of result files (collected from other machines): a run's JSON through everything <c>merge</c>
/// does with it, the HdrHistogram log embedded in it, and a bench's JSON as <c>compare</c> reads it. Their documented
/// rejection is an <see cref="InvalidDataException"/> (reading, merging) or <c>false</c> with one line (compare).
/// </summary>
internal static class ResultTargets
{
    private static readonly string ComparePath = Path.Combine(Path.GetTempPath(), $"echo-fuzz-{Environment.ProcessId}.json");

    public static void RunJson(byte[] input)
    {
        LoadResult result;
        try
        {
            result = JsonReport.Parse(Encoding.UTF8.GetString(input), "fuzz.json");
        }
        catch (InvalidDataException)
        {
            return;
        }

        // What merge --report does with it: summary, every output, the HTML escaped.
        _ = SummaryText.Format(result);
        _ = HtmlReport.Html(result);
        _ = HtmlReport.Markdown(result);
        LoadResult merged;
        try
        {
            merged = ResultMerger.Merge([("a.json", result), ("b.json", result)]);
        }
        catch (InvalidDataException)
        {
            return;
        }

        _ = SummaryText.Format(merged);
        CheckEscaped(HtmlReport.Html(merged));
        _ = JsonReport.Serialize(merged);
    }

    public static void HdrLog(byte[] input)
    {
        Dictionary<string, HdrHistogram.HistogramBase> histograms;
        try
        {
            histograms = EmbeddedHistograms.Decode(Encoding.UTF8.GetString(input));
        }
        catch (InvalidDataException)
        {
            return;
        }

        foreach (var histogram in histograms.Values)
        {
            // What merge does with each: adds it to the shared shape, summarises it.
            _ = LatencySummary.Of(Histograms.Merge([histogram, histogram]));
        }
    }

    public static void BenchJson(byte[] input)
    {
        File.WriteAllBytes(ComparePath, input);
        if (!ReportReader.TryRead(ComparePath, out _, out var error) && (error.Contains('\n', StringComparison.Ordinal) || !error.StartsWith(ComparePath, StringComparison.Ordinal)))
        {
            throw new FuzzFinding($"compare's error is not one line naming the file: {error}");
        }
    }

    /// <summary>No string of the input may open a tag in the report.</summary>
    private static void CheckEscaped(string html)
    {
        if (html.Contains("<script", StringComparison.OrdinalIgnoreCase) || html.Contains("<img", StringComparison.OrdinalIgnoreCase))
        {
            throw new FuzzFinding("a string of the result reached report.html unescaped");
        }
    }
}
