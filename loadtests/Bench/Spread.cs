namespace EchoServers.Load.Bench;

/// <summary>Median with the minimum and maximum of a few passes: what the report shows as <c>median [min–max]</c>.</summary>
public sealed record Spread(double Median, double Min, double Max, int Count)
{
    /// <summary>The spread of <paramref name="values"/>, or null when there are none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : new Spread(MedianOf(sorted), sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>The median of sorted values: the middle one, or the mean of the middle two.</summary>
    public static double MedianOf(IReadOnlyList<double> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
