using EchoServers.Load.Assertions;

namespace EchoServers.Load.Sweep;

/// <summary>How a capacity sweep steps the open-model rate and what each step must meet.</summary>
public sealed record SweepSettings
{
    /// <summary>The objective every step must meet (the <c>--assert</c> vocabulary), e.g. <c>p99&lt;1ms</c>.</summary>
    public required IReadOnlyList<Assertion> Objective { get; init; }

    /// <summary>The first step's rate, msgs/s.</summary>
    public double StartRate { get; init; } = 1000;

    /// <summary>No step goes above this rate, msgs/s (the sweep then ends there, capacity "at least").</summary>
    public double MaxRate { get; init; } = 10_000_000;

    /// <summary>Each geometric step multiplies the rate by this.</summary>
    public double Factor { get; init; } = 2;

    /// <summary>The bisection stops when (first bad − last good) ÷ last good is at most this.</summary>
    public double Precision { get; init; } = 0.05;

    /// <summary>Measured time of each step.</summary>
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Load before each step's measurement, not counted.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A failing rate is re-run this many times before it counts (ends the geometric phase or moves the bisection);
    /// any passing try makes the rate pass. 0 trusts every first try.
    /// </summary>
    public int Confirm { get; init; } = 1;

    /// <summary>At most this many tries in all, confirming re-runs included (every loop bounded).</summary>
    public int MaxSteps { get; init; } = 40;

    /// <summary>The objective as text, e.g. <c>p99&lt;1ms</c>.</summary>
    public string ObjectiveText => string.Join(" and ", Objective.Select(a => a.Text));
}
