namespace EchoServers.Load.Measurement;

/// <summary>
/// How evenly the connections were served over the measured window (the <c>fairness</c> object of the JSON result).
/// <see cref="Jain"/> is Jain's index of the per-connection reply counts, (Σx)² / (n·Σx²): 1 when every connection got
/// the same, k/n when k of n got everything evenly and the rest nothing. Shares are each connection's count ÷ the
/// mean count (1 = exactly its fair share, 0 = nothing).
/// </summary>
public sealed record FairnessSummary(double Jain, double MinShare, double MedianShare, double MaxShare)
{
    /// <summary>No connection, or no reply at all: nothing was served fairly.</summary>
    public static FairnessSummary None { get; } = new(0, 0, 0, 0);

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
            return None;
        }

        Array.Sort(counts);
        var mean = sum / counts.Length;
        var n = counts.Length;
        var median = n % 2 == 1 ? counts[n / 2] : (counts[(n / 2) - 1] + counts[n / 2]) / 2.0;
        return new FairnessSummary(
            Math.Round(sum * sum / (n * squares), 4),
            Math.Round(counts[0] / mean, 4),
            Math.Round(median / mean, 4),
            Math.Round(counts[^1] / mean, 4));
    }
}
