using HdrHistogram;

namespace EchoServers.Load.Reports;

/// <summary>
/// The measured latency (and service time) histograms in HdrHistogram's log format: compressed, lossless, and
/// mergeable across processes (read them with HistogramLogReader, or HdrHistogram's Java/Python tools).
/// </summary>
public static class HdrLogReport
{
    public static void Write(LoadResult result, string path, DateTime startUtc)
    {
        using var stream = File.Create(path);
        using var writer = new HistogramLogWriter(stream);
        var histograms = new List<HistogramBase>();
        if (result.LatencyHistogram is { } latency)
        {
            latency.Tag = "latency";
            histograms.Add(latency);
        }

        if (result.ServiceHistogram is { } service)
        {
            service.Tag = "service";
            histograms.Add(service);
        }

        writer.Write(startUtc, [.. histograms]);
    }

    /// <summary>Reads every histogram of a log written by <see cref="Write"/> (used to merge runs).</summary>
    /// <remarks>Through <see cref="Distributed.EmbeddedHistograms.Decode"/>: the library's own reader fails on long payloads.</remarks>
    public static List<HistogramBase> Read(string path) => [.. Distributed.EmbeddedHistograms.Decode(File.ReadAllText(path)).Values];
}
