namespace EchoServers.Load.Sweep;

/// <summary>One step of a sweep: a target rate, what it achieved, and whether it met the objective.</summary>
public sealed record SweepStep
{
    /// <summary>1-based, in the order run.</summary>
    public int Index { get; init; }

    /// <summary><c>geometric</c> or <c>bisect</c>.</summary>
    public required string Phase { get; init; }

    /// <summary>1 for the first run at this rate in its step; 2 and on for the re-runs that confirm a failure (<c>--confirm</c>).</summary>
    public int Try { get; init; } = 1;

    /// <summary>A failing try that a later try at the same rate passed: not confirmed, so it did not count as the server's failure.</summary>
    public bool Overturned { get; init; }

    public double TargetRate { get; init; }

    /// <summary>Messages actually written per second in the measured window.</summary>
    public double AchievedRate { get; init; }

    /// <summary>Correct replies per second in the measured window.</summary>
    public double MessagesPerSecond { get; init; }

    public long P50Us { get; init; }

    public long P99Us { get; init; }

    public long P999Us { get; init; }

    public long MaxUs { get; init; }

    /// <summary>p99 from each message's actual send (what the server took), µs.</summary>
    public long ServiceP99Us { get; init; }

    /// <summary>p99 of how late the generator wrote each message after it was due, µs.</summary>
    public long SendLatenessP99Us { get; init; }

    public long Errors { get; init; }

    /// <summary>The generator's CPU over the step as a percentage of one core (100 = one core busy).</summary>
    public double GeneratorCpuPercentOfCore { get; init; }

    /// <summary>The generator's I/O threads: each paces its share on one core, so it saturates at 100 % × this.</summary>
    public int GeneratorIoThreads { get; init; }

    /// <summary>The server's CPU over the step as a percentage of one core, when known (bench).</summary>
    public double? ServerCpuPercent { get; init; }

    /// <summary>Met the objective, the achieved rate (≥ 99 % of target) and had no errors.</summary>
    public bool Passed { get; init; }

    /// <summary>Why it did not pass (empty when it did).</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>Why the generator, not the server, limited this step; null when it did not.</summary>
    public string? GeneratorLimit { get; init; }
}
