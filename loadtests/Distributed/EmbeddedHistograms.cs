using System.Text;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Distributed;

/// <summary>
/// A run's histograms inside its JSON result (the <c>hdrLog</c> key): HdrHistogram's own log format (compressed,
/// lossless, base64 per histogram, tagged <c>latency</c>, <c>service</c>, <c>lateness</c>, <c>connect</c>), so that
/// <c>echo-load merge</c> adds the histograms of several runs exactly instead of averaging their percentiles.
/// </summary>
public static class EmbeddedHistograms
{
    public const string Latency = "latency";
    public const string Service = "service";
    public const string Lateness = "lateness";
    public const string Connect = "connect";

    /// <summary>The log text of the named histograms (null ones left out).</summary>
    public static string Encode(IEnumerable<(string Tag, HistogramBase? Histogram)> histograms)
    {
        using var stream = new MemoryStream();
        using (var writer = new HistogramLogWriter(stream))
        {
            var tagged = new List<HistogramBase>();
            foreach (var (tag, histogram) in histograms)
            {
                if (histogram is null)
                {
                    continue;
                }

                // A copy: the tag is part of the histogram, and the caller's may be tagged otherwise (e.g. the .hlog).
                var copy = Histograms.Create();
                copy.Add(histogram);
                copy.Tag = tag;
                tagged.Add(copy);
            }

            writer.Write(DateTime.UnixEpoch, [.. tagged]);
        }

        // The writer writes UTF-16 with a byte-order mark; the JSON holds the text.
        stream.Position = 0;
        using var text = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        return text.ReadToEnd();
    }

    /// <summary>The histograms of <paramref name="log"/> by tag.</summary>
    public static Dictionary<string, HistogramBase> Decode(string log)
    {
        using var stream = new MemoryStream([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(log)]);
        using var reader = new HistogramLogReader(stream);
        return reader.ReadHistograms().Where(h => h.Tag is not null).ToDictionary(h => h.Tag!, h => h);
    }

    /// <summary>The log for <paramref name="result"/>'s histograms.</summary>
    public static string Of(LoadResult result) => Encode(
    [
        (Latency, result.LatencyHistogram),
        (Service, result.ServiceHistogram),
        (Lateness, result.LatenessHistogram),
        (Connect, result.ConnectHistogram),
    ]);
}
