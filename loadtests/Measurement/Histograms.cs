using HdrHistogram;

namespace EchoServers.Load.Measurement;

/// <summary>HdrHistogram settings shared by every recorder: microseconds, 1 µs to 1 hour, 3 significant digits.</summary>
public static class Histograms
{
    /// <summary>The largest value tracked: one hour in microseconds. Larger values are clamped, never dropped.</summary>
    public const long HighestUs = 3_600_000_000;

    /// <summary>Significant decimal digits kept (0.1 % value precision).</summary>
    public const int Digits = 3;

    /// <summary>A new empty histogram with the shared settings.</summary>
    public static LongHistogram Create() => new(1, HighestUs, Digits);

    /// <summary>A recorder (safe to read from another thread while recording) with the shared settings.</summary>
    public static Recorder CreateRecorder() =>
        new(1, HighestUs, Digits, (id, low, high, digits) => new LongHistogram(id, low, high, digits));

    /// <summary>Keeps a value within what the histograms track.</summary>
    public static long Clamp(long us) => Math.Clamp(us, 0, HighestUs);

    /// <summary>Merges <paramref name="parts"/> into one new histogram (histograms from threads or processes add exactly).</summary>
    public static LongHistogram Merge(IEnumerable<HistogramBase> parts)
    {
        var total = Create();
        foreach (var part in parts)
        {
            total.Add(part);
        }

        return total;
    }
}
