namespace EchoServers.Load.Bench;

/// <summary>What one <c>echo-load bench</c> run does, after the command line is parsed and defaults applied.</summary>
public sealed record BenchSettings
{
    public required IReadOnlyList<BenchModel> Models { get; init; }

    public required IReadOnlyList<BenchCell> Cells { get; init; }

    /// <summary>The external servers' rows (<c>--reference</c>), in the order given: the first is the one ratios are to.</summary>
    public IReadOnlyList<BenchModel> References { get; init; } = [];

    /// <summary>The named references (<c>--reference c</c>) to build, or check built, before the bench starts.</summary>
    public IReadOnlyList<ReferenceBuild> ReferenceBuilds { get; init; } = [];

    public int Passes { get; init; } = 3;

    /// <summary>Measured seconds of each cell.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Load before each cell's measurement (not counted).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Load on each server the first time it is used (tiered JIT: tier-1 code needs a few seconds of calls).</summary>
    public TimeSpan JitWarmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Directory the report goes to.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>CI smoke mode: any error, failed run or unclean server exit → non-zero exit code.</summary>
    public bool Quick { get; init; }

    /// <summary>Command that starts <c>echo-server</c> (model arguments are appended); null = find it next to echo-load.</summary>
    public IReadOnlyList<string>? ServerCommand { get; init; }

    /// <summary>Pin servers and generator to separate cores (when there are at least two).</summary>
    public bool Pin { get; init; } = true;

    /// <summary>A reply later than this is a timeout.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long each cell waits for outstanding replies after its last message.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for a server to say it is listening (or the reference to accept).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>--sweep</c>: a capacity sweep per row after the cells; null = none.</summary>
    public Sweep.SweepSettings? Sweep { get; init; }

    /// <summary>The command line as given, for the report.</summary>
    public string CommandLineText { get; init; } = string.Empty;

    /// <summary>The rows: our models, then the references (if any).</summary>
    public IReadOnlyList<BenchModel> Rows => [.. Models, .. References];
}
