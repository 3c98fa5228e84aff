namespace EchoServers.Load.Compare;

/// <summary>One figure of a report: its value (a bench's median over passes) and, when known, the range it varied over.</summary>
public sealed record MeasuredValue(double Value, double? Min = null, double? Max = null)
{
    public bool HasRange => Min is not null && Max is not null;

    /// <summary>Whether <paramref name="value"/> lies inside this value's range (false without a range).</summary>
    public bool RangeHolds(double value) => HasRange && value >= Min!.Value && value <= Max!.Value;

    /// <summary>The median of <paramref name="values"/> with their minimum and maximum (no range for one value).</summary>
    public static MeasuredValue? Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var spread = Bench.Spread.Of(values)!;
        return values.Count == 1 ? new MeasuredValue(spread.Median) : new MeasuredValue(spread.Median, spread.Min, spread.Max);
    }
}
