using EchoServers.Load.Simulations;

namespace EchoServers.Tests.Load;

public sealed class LoadSimulationParserTests
{
    [Fact]
    public void Parses_the_documented_closed_example()
    {
        Assert.True(LoadSimulationParser.TryParse("ramp-constant 0..1000 over 10s, keep-constant 1000 for 30s", out var steps, out var error), error);
        Assert.Equal(
            [new LoadStep(LoadStepKind.RampingConstant, 0, 1000, TimeSpan.FromSeconds(10)), new LoadStep(LoadStepKind.KeepConstant, 1000, 1000, TimeSpan.FromSeconds(30))],
            steps);
        var profile = new LoadProfile(steps, TimeSpan.Zero);
        Assert.False(profile.IsOpen);
        Assert.Equal(1000, profile.MaxLevel);
        Assert.Equal(500, profile.LevelAt(5), 6);
    }

    [Theory]
    [InlineData("inject 0.5/s for 20s", 0.5, 0.5, 20)]
    [InlineData("inject 30/m for 1m", 0.5, 0.5, 60)]
    [InlineData("inject 500 for 2s", 500, 500, 2)]
    [InlineData("ramping-inject 100..2000/s over 1500ms", 100, 2000, 1.5)]
    [InlineData("ramp-inject 0..10/s for 5s", 0, 10, 5)]
    public void Parses_rates(string text, double from, double to, double seconds)
    {
        Assert.True(LoadSimulationParser.TryParse(text, out var steps, out var error), error);
        var step = Assert.Single(steps);
        Assert.True(step.IsOpen);
        Assert.Equal(from, step.From, 9);
        Assert.Equal(to, step.To, 9);
        Assert.Equal(seconds, step.Duration.TotalSeconds, 9);
    }

    [Fact]
    public void Pauses_and_semicolons_compose()
    {
        Assert.True(LoadSimulationParser.TryParse("inject 100/s for 1s; pause 2s; inject 10/s for 1s", out var steps, out var error), error);
        Assert.Equal([LoadStepKind.Inject, LoadStepKind.Pause, LoadStepKind.Inject], steps.Select(s => s.Kind));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("keep-constant 10 for 5s, inject 5/s for 1s", "mixes")]
    [InlineData("hold 10 for 5s", "unknown simulation 'hold'")]
    [InlineData("keep-constant 10 for 5", "has no unit")]
    [InlineData("keep-constant ten for 5s", "whole number")]
    [InlineData("keep-constant 1.5 for 5s", "whole number")]
    [InlineData("ramping-constant 10 over 5s", "range")]
    [InlineData("inject 5/d for 5s", "rate unit")]
    [InlineData("inject 5/s", "expected 'inject RATE/s for DURATION'")]
    [InlineData("pause", "expected 'pause 5s'")]
    [InlineData("pause 1s", "only pauses")]
    [InlineData("keep-constant 10 for 0s", "positive")]
    public void Rejects_bad_input_with_one_line_naming_the_problem(string text, string expected)
    {
        Assert.False(LoadSimulationParser.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }
}
