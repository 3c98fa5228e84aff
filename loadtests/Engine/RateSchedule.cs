using EchoServers.Load.Simulations;

namespace EchoServers.Load.Engine;

/// <summary>
/// When each message of the open model is due, as a pure computation (no clock): the rate is piecewise linear, its
/// integral Λ(t) counts the messages due by t, and message k is due at Λ⁻¹(x_k) with x_k = k (even spacing) or the
/// k-th arrival of a unit-rate Poisson process (exponential gaps). Fractional rates such as 0.5/s and ramps from 0
/// work exactly, and no rounding accumulates: every due time is computed from the start, never by adding intervals.
/// </summary>
public sealed class RateSchedule
{
    private readonly IReadOnlyList<LoadSegment> _segments;
    private readonly Random? _random;
    private int _segment;
    private double _segmentBase;
    private double _x;

    /// <summary>A schedule over the segments of <paramref name="profile"/>.</summary>
    public RateSchedule(LoadProfile profile, ArrivalKind arrival, int seed = 1)
        : this(profile.Segments, arrival, seed)
    {
    }

    /// <summary>A schedule over <paramref name="segments"/> (rates in messages per second).</summary>
    public RateSchedule(IReadOnlyList<LoadSegment> segments, ArrivalKind arrival, int seed = 1)
    {
        _segments = segments;
        _random = arrival == ArrivalKind.Poisson ? new Random(seed) : null;
        _x = _random is null ? 0 : NextExponential();
    }

    /// <summary>Seconds from the start of load at which the next message is due, or <see cref="double.PositiveInfinity"/> when none remain.</summary>
    public double Next()
    {
        var x = _x;
        while (_segment < _segments.Count)
        {
            var segment = _segments[_segment];
            var area = segment.Area;
            var local = x - _segmentBase;
            if (local < area)
            {
                _x = _random is null ? x + 1 : x + NextExponential();
                return segment.StartSeconds + InverseWithin(segment, local);
            }

            _segmentBase += area;
            _segment++;
        }

        return double.PositiveInfinity;
    }

    /// <summary>τ such that the area under <paramref name="segment"/>'s rate over [0, τ] is <paramref name="count"/>.</summary>
    internal static double InverseWithin(LoadSegment segment, double count)
    {
        if (count <= 0)
        {
            return 0;
        }

        var b = segment.From;
        var a = (segment.To - segment.From) / (2 * segment.DurationSeconds);
        if (Math.Abs(a) < 1e-12)
        {
            return count / b;
        }

        // a·τ² + b·τ − count = 0, in the form that stays accurate when a is tiny or b is zero.
        var root = Math.Sqrt(Math.Max(0, (b * b) + (4 * a * count)));
        return Math.Min(2 * count / (b + root), segment.DurationSeconds);
    }

    private double NextExponential() => -Math.Log(1 - _random!.NextDouble());
}
