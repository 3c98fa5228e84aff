using HdrHistogram;

namespace EchoServers.Load.Metrics;

/// <summary>
/// The reply latency as a cumulative Prometheus histogram: fixed bounds from 25 µs to 10 s (loopback replies take
/// tens of microseconds; a stalled server, seconds), filled once a second from the second's HdrHistogram, which the
/// sampler merges anyway. Nothing is recorded per message for it.
/// </summary>
internal sealed class LatencyBuckets
{
    /// <summary>Upper bounds, in microseconds.</summary>
    public static readonly long[] BoundsUs =
    [
        25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 10_000_000,
    ];

    private readonly long[] _counts = new long[BoundsUs.Length];

    /// <summary>Replies counted (the <c>+Inf</c> bucket).</summary>
    public long Count { get; private set; }

    /// <summary>Their latencies added, in microseconds.</summary>
    public double SumUs { get; private set; }

    /// <summary>Replies at or under each bound (cumulative, as Prometheus has them).</summary>
    public IReadOnlyList<long> Cumulative => _counts;

    /// <summary>Adds one second's latencies.</summary>
    public void Add(HistogramBase second)
    {
        foreach (var bucket in second.RecordedValues())
        {
            // The bucket's highest equivalent value: a value is never counted under a bound it may exceed.
            var value = bucket.ValueIteratedTo;
            var count = bucket.CountAtValueIteratedTo;
            Count += count;
            SumUs += (double)second.MedianEquivalentValue(value) * count;
            for (var i = BoundsUs.Length - 1; i >= 0 && value <= BoundsUs[i]; i--)
            {
                _counts[i] += count;
            }
        }
    }
}
