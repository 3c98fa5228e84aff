using EchoServers.Load.Engine;
using EchoServers.Load.Simulations;

namespace EchoServers.Tests.Load;

public sealed class RateScheduleTests
{
    private static List<double> All(RateSchedule schedule)
    {
        var times = new List<double>();
        for (var t = schedule.Next(); !double.IsPositiveInfinity(t); t = schedule.Next())
        {
            times.Add(t);
            Assert.True(times.Count < 10_000_000, "schedule does not end");
        }

        return times;
    }

    private static LoadProfile Inject(double rate, double seconds, double warmup = 0) =>
        new([new LoadStep(LoadStepKind.Inject, rate, rate, TimeSpan.FromSeconds(seconds))], TimeSpan.FromSeconds(warmup));

    [Fact]
    public void Even_fractional_rate_half_per_second_is_due_every_two_seconds()
    {
        var times = All(new RateSchedule(Inject(0.5, 10), ArrivalKind.Even));
        Assert.Equal([0.0, 2.0, 4.0, 6.0, 8.0], times);
    }

    [Theory]
    [InlineData(1000.0, 3.0)]
    [InlineData(20_000.0, 1.0)]
    [InlineData(333.3, 2.0)]
    public void Even_rate_has_exact_count_and_constant_gaps(double rate, double seconds)
    {
        var times = All(new RateSchedule(Inject(rate, seconds), ArrivalKind.Even));
        Assert.Equal((int)Math.Ceiling(rate * seconds), times.Count);
        for (var k = 0; k < times.Count; k++)
        {
            // Computed from the start each time, so no drift accumulates over thousands of messages.
            Assert.Equal(k / rate, times[k], 9);
        }
    }

    [Fact]
    public void Ramp_from_zero_sends_the_area_under_the_ramp_with_growing_density()
    {
        var profile = new LoadProfile([new LoadStep(LoadStepKind.RampingInject, 0, 100, TimeSpan.FromSeconds(10))], TimeSpan.Zero);
        var times = All(new RateSchedule(profile, ArrivalKind.Even));
        Assert.Equal(500, times.Count);
        var firstHalf = times.Count(t => t < 5);
        Assert.Equal(125, firstHalf); // area of 0..50/s over 5 s
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second > pair.First));
        Assert.True(times[^1] < 10);
    }

    [Fact]
    public void Steps_follow_each_other_without_gap_or_overlap()
    {
        var profile = new LoadProfile(
            [new LoadStep(LoadStepKind.Inject, 10, 10, TimeSpan.FromSeconds(1)), new LoadStep(LoadStepKind.Pause, 0, 0, TimeSpan.FromSeconds(1)), new LoadStep(LoadStepKind.Inject, 100, 100, TimeSpan.FromSeconds(1))],
            TimeSpan.FromSeconds(0.5));
        var times = All(new RateSchedule(profile, ArrivalKind.Even));
        Assert.Equal(5, times.Count(t => t < 0.5)); // warm-up at the first step's rate
        Assert.Equal(10, times.Count(t => t is >= 0.5 and < 1.5));
        Assert.Equal(0, times.Count(t => t is >= 1.5 and < 2.5));
        Assert.Equal(100, times.Count(t => t >= 2.5));
        Assert.Equal(115, profile.MeasuredTarget + 5);
    }

    [Fact]
    public void Poisson_has_the_target_mean_and_exponential_gaps()
    {
        var times = All(new RateSchedule(Inject(1000, 100), ArrivalKind.Poisson, seed: 42));
        // 100,000 expected; the standard deviation of a Poisson count is √100000 ≈ 316.
        Assert.InRange(times.Count, 100_000 - 1300, 100_000 + 1300);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToArray();
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean)));
        Assert.InRange(mean, 0.00098, 0.00102);
        Assert.InRange(sd / mean, 0.97, 1.03); // coefficient of variation of an exponential is 1
        Assert.InRange(gaps.Count(g => g > 0.001) / (double)gaps.Length, Math.Exp(-1) - 0.01, Math.Exp(-1) + 0.01);
    }

    [Fact]
    public void Poisson_is_deterministic_for_a_seed_and_differs_between_seeds()
    {
        var a = All(new RateSchedule(Inject(50, 2), ArrivalKind.Poisson, seed: 7));
        var b = All(new RateSchedule(Inject(50, 2), ArrivalKind.Poisson, seed: 7));
        var c = All(new RateSchedule(Inject(50, 2), ArrivalKind.Poisson, seed: 8));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Inverse_of_a_ramp_is_exact()
    {
        var segment = new LoadSegment(0, 10, 100, 300, Measured: true);
        foreach (var count in new[] { 1.0, 100, 1000, 1999 })
        {
            var tau = RateSchedule.InverseWithin(segment, count);
            var area = (100 * tau) + (10 * tau * tau); // ∫ (100 + 20τ) dτ
            Assert.Equal(count, area, 6);
        }
    }
}
