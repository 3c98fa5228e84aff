using System.Text.Json.Serialization;

namespace EchoServers.Load.Sweep;

/// <summary>A whole sweep (the <c>--json</c> of <c>sweep</c>, and one model's entry in <c>bench --sweep</c>).</summary>
public sealed record SweepResult
{
    /// <summary>The row label in a bench, else the target.</summary>
    public required string Name { get; init; }

    public required string Target { get; init; }

    public required string Objective { get; init; }

    /// <summary>The objective's latency threshold (µs) for the charts, when it has one.</summary>
    public double? ObjectiveLatencyUs { get; init; }

    /// <summary>What each step ran: connections, framing, size, arrival.</summary>
    public required string Load { get; init; }

    public double StartRate { get; init; }

    public double MaxRate { get; init; }

    public double Precision { get; init; }

    public double StepDurationSeconds { get; init; }

    public double WarmupSeconds { get; init; }

    /// <summary>Re-runs of a failing rate before it counted (<c>--confirm</c>).</summary>
    public int Confirm { get; init; }

    /// <summary>Every try of every step, in the order run (confirming re-runs have <see cref="SweepStep.Try"/> above 1).</summary>
    public required IReadOnlyList<SweepStep> Steps { get; init; }

    /// <summary>Failing tries a later try at the same rate passed: noise the confirmation kept from deciding the search.</summary>
    public int OverturnedFailures { get; init; }

    /// <summary>The highest target rate that met the objective (msgs/s), or null when none did.</summary>
    public double? Capacity { get; init; }

    /// <summary>True when <see cref="Capacity"/> is only a lower bound (the generator or --max-rate ended the sweep).</summary>
    public bool CapacityIsLowerBound { get; init; }

    /// <summary>The lowest target rate that failed because of the server, or null.</summary>
    public double? FirstFailedRate { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<SweepLimit>))]
    public SweepLimit Limit { get; init; }

    /// <summary>The capacity, what limited it, and how sure it is (the tries on either side of it and their spread).</summary>
    public required string Conclusion { get; init; }
}
