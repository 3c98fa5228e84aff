using System.Buffers.Binary;
using System.IO.Compression;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;
using HdrHistogram.Utilities;

namespace EchoServers.Load.Distributed;

/// <summary>
/// A run's histograms inside its JSON result (the <c>hdrLog</c> key): HdrHistogram's own log format (compressed,
/// lossless, base64 per histogram, tagged <c>latency</c>, <c>service</c>, <c>lateness</c>, <c>connect</c>, <c>first_reply</c>, <c>handshake</c> with <c>--tls</c>), so that
/// <c>echo-load merge</c> adds the histograms of several runs exactly instead of averaging their percentiles.
/// </summary>
public static class EmbeddedHistograms
{
    public const string Latency = "latency";
    public const string Service = "service";
    public const string Lateness = "lateness";
    public const string Connect = "connect";
    public const string FirstReply = "first_reply";
    public const string Handshake = "handshake";

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
    /// <remarks>
    /// Not HdrHistogram's own <c>HistogramLogReader</c>: in 2.5.0 it inflates the payload with a single
    /// <c>Stream.Read</c>, which returns short on long payloads ("The buffer does not contain the indicated payload
    /// amount", HdrHistogram.NET #99), so a histogram with many distinct values could be written but not read back.
    /// This reads the same lines, inflates each payload to its end, and lets the library decode the counts.
    /// </remarks>
    public static Dictionary<string, HistogramBase> Decode(string log)
    {
        var histograms = new Dictionary<string, HistogramBase>(StringComparer.Ordinal);
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith(TagPrefix, StringComparison.Ordinal))
            {
                continue; // comments, the header, untagged lines
            }

            var fields = line.Split(',');
            if (fields.Length != 5)
            {
                throw new InvalidDataException($"hdrLog: a histogram line has {fields.Length} fields, 5 expected");
            }

            var tag = fields[0][TagPrefix.Length..];
            if (tag.AsSpan().IndexOfAny(" \t\r\n") >= 0)
            {
                // HdrHistogram refuses such a tag; ours are single words (latency, service, handshake, …).
                throw new InvalidDataException("hdrLog: a histogram tag holds white space");
            }

            var histogram = DecodePayload(fields[4]);
            histogram.Tag = tag;
            histograms[histogram.Tag] = histogram;
        }

        return histograms;
    }

    private const string TagPrefix = "Tag=";

    /// <summary>HdrHistogram's cookie for the compressed V2 encoding (the low nibble's word size masked out).</summary>
    private const int CompressedV2Cookie = 0x1c849304;

    /// <summary>The most one histogram payload may inflate to (ours: a few hundred KiB at most).</summary>
    private const int MaxInflatedBytes = 4 * 1024 * 1024;

    /// <summary>The most values one histogram may hold (10^15: thousands of shares still sum within a long).</summary>
    private const long MaxCount = 1_000_000_000_000_000;

    /// <summary>One base64 payload: a compressed-encoding cookie, the compressed length, then a zlib stream.</summary>
    private static HistogramBase DecodePayload(string base64)
    {
        try
        {
            var bytes = Convert.FromBase64String(base64);
            var cookie = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if ((cookie & ~0xf0) != CompressedV2Cookie)
            {
                throw new InvalidDataException($"unknown encoding cookie 0x{cookie:x8}");
            }

            var compressedLength = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
            using var inflater = new ZLibStream(new MemoryStream(bytes, 8, compressedLength), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            var chunk = new byte[8192];
            for (int read; (read = inflater.Read(chunk)) > 0;)
            {
                // A few kilobytes compress a histogram of any run; a payload that inflates past this is not one of ours.
                if (inflated.Length + read > MaxInflatedBytes)
                {
                    throw new InvalidDataException($"the payload inflates past {MaxInflatedBytes / (1024 * 1024)} MiB");
                }

                inflated.Write(chunk, 0, read);
            }

            var histogram = HistogramEncoding.DecodeFromByteBuffer(ByteBuffer.Allocate(inflated.ToArray()), 0, null);

            // Every histogram we write has the shared shape; a wider one could not be merged with the others.
            if (histogram.HighestTrackableValue > Histograms.HighestUs || histogram.LowestTrackableValue < 1)
            {
                throw new InvalidDataException($"a histogram tracks {histogram.LowestTrackableValue}..{histogram.HighestTrackableValue}, wider than 1..{Histograms.HighestUs}");
            }

            // The decoder trusts the counts it reads (negative, or not adding up to the total); what merge and the
            // summaries will do with the histogram is done once here, so a histogram the library cannot use is
            // rejected as a bad payload instead of failing later.
            long total = 0;
            foreach (var value in histogram.RecordedValues())
            {
                if (value.CountAtValueIteratedTo <= 0)
                {
                    throw new InvalidDataException($"a count of {value.CountAtValueIteratedTo} at {value.ValueIteratedTo}");
                }

                total = checked(total + value.CountAtValueIteratedTo);
            }

            // Like every count of a result file (ResultFileCheck): bounded, so that merging shares cannot overflow.
            if (total != histogram.TotalCount || total > MaxCount)
            {
                throw new InvalidDataException($"the counts add up to {total} (total {histogram.TotalCount}, at most {MaxCount})");
            }

            _ = LatencySummary.Of(Histograms.Merge([histogram]));
            return histogram;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidDataException
            or NotSupportedException or OverflowException or IOException)
        {
            throw new InvalidDataException($"hdrLog: a histogram payload cannot be decoded ({e.Message})", e);
        }
    }

    /// <summary>The log for <paramref name="result"/>'s histograms.</summary>
    public static string Of(LoadResult result) => Encode(
    [
        (Latency, result.LatencyHistogram),
        (Service, result.ServiceHistogram),
        (Lateness, result.LatenessHistogram),
        (Connect, result.ConnectHistogram),
        (FirstReply, result.FirstReplyHistogram),
        (Handshake, result.HandshakeHistogram),
    ]);
}
