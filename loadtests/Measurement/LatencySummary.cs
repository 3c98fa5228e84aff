using HdrHistogram;

namespace EchoServers.Load.Measurement;

/// <summary>Percentiles of one histogram, in microseconds (the <c>latencyUs</c> object of the JSON result).</summary>
public sealed record LatencySummary(long P50, long P90, long P99, long P999, long P9999, long Max, double Mean, long Count)
{
    /// <summary>A summary of nothing.</summary>
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Summarises <paramref name="histogram"/>.</summary>
    public static LatencySummary Of(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencySummary(
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.GetValueAtPercentile(99.99),
            histogram.GetMaxValue(),
            Math.Round(histogram.GetMean(), 1),
            histogram.TotalCount);
    }

    /// <summary>The value at a named percentile (50, 90, 99, 99.9, 99.99, 100 = max).</summary>
    public long AtPercentile(double percentile) => percentile switch
    {
        <= 50 => P50,
        <= 90 => P90,
        <= 99 => P99,
        <= 99.9 => P999,
        < 100 => P9999,
        _ => Max,
    };
}
