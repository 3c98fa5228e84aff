namespace EchoServers.Load.Measurement;

/// <summary>
/// How evenly the connections were served over the measured window (the <c>fairness</c> object of the JSON result).
/// <see cref="Jain"/> is Jain's index of the per-connection reply counts, (Σx)² / (n·Σx²): 1 when every connection got
/// the same, k/n when k of n got everything evenly and the rest nothing. Shares are each connection's count ÷ the
/// mean count (1 = exactly its fair share, 0 = nothing). <see cref="Connections"/>, <see cref="Replies"/> (Σx) and
/// <see cref="SquaredReplies"/> (Σx²) are kept so that <c>echo-load merge</c> computes the index of the union exactly.
/// </summary>
public sealed record FairnessSummary(
    double Jain, double MinShare, double MedianShare, double MaxShare, long Connections = 0, long Replies = 0, double SquaredReplies = 0)
{
    /// <summary>No connection, or no reply at all: nothing was served fairly.</summary>
    public static FairnessSummary None { get; } = new(0, 0, 0, 0);

    /// <summary>
    /// The fairness of the union of several shares' connections: Jain's index, the minimum and the maximum share are
    /// exact; the median share is the shares' medians weighted by their connections (the counts themselves are gone).
    /// </summary>
    public static FairnessSummary Merge(IReadOnlyList<FairnessSummary> parts)
    {
        var present = parts.Where(p => p.Connections > 0 && p.Replies > 0).ToList();
        var n = present.Sum(p => p.Connections);
        var sum = present.Sum(p => (double)p.Replies);
        var squares = present.Sum(p => p.SquaredReplies);
        if (n == 0 || sum == 0 || squares == 0)
        {
            return None with { Connections = parts.Sum(p => p.Connections) };
        }

        // A share's count x = share × its own mean; in the union it is x ÷ the union's mean.
        var mean = sum / n;
        double Rescaled(FairnessSummary p, double share) => share * p.Replies / p.Connections / mean;
        return new FairnessSummary(
            Math.Round(sum * sum / (n * squares), 4),
            Math.Round(present.Min(p => Rescaled(p, p.MinShare)), 4),
            Math.Round(present.Sum(p => Rescaled(p, p.MedianShare) * p.Connections) / n, 4),
            Math.Round(present.Max(p => Rescaled(p, p.MaxShare)), 4),
            n,
            (long)sum,
            squares);
    }

    /// <summary>The fairness of <paramref name="counts"/> (one per connection; the array is sorted in place).</summary>
    public static FairnessSummary Of(long[] counts)
    {
        if (counts.Length == 0)
        {
            return None;
        }

        double sum = 0, squares = 0;
        foreach (var x in counts)
        {
            sum += x;
            squares += (double)x * x;
        }

        if (sum == 0)
        {
            return None with { Connections = counts.Length };
        }

        Array.Sort(counts);
        var mean = sum / counts.Length;
        var n = counts.Length;
        var median = n % 2 == 1 ? counts[n / 2] : (counts[(n / 2) - 1] + counts[n / 2]) / 2.0;
        return new FairnessSummary(
            Math.Round(sum * sum / (n * squares), 4),
            Math.Round(counts[0] / mean, 4),
            Math.Round(median / mean, 4),
            Math.Round(counts[^1] / mean, 4),
            n,
            (long)sum,
            squares);
    }
}
