namespace EchoServers.Load.Bench;

/// <summary>Everything one bench produced: settings, machine, servers, every run, and the per-row, per-cell summaries.</summary>
public sealed record BenchResult
{
    public required DateTime StartedUtc { get; init; }

    public required DateTime FinishedUtc { get; init; }

    public required string CommandLine { get; init; }

    public required BenchMachine Machine { get; init; }

    public required int Passes { get; init; }

    public required double DurationSeconds { get; init; }

    public required double WarmupSeconds { get; init; }

    public required double JitWarmupSeconds { get; init; }

    public required IReadOnlyList<BenchCell> Cells { get; init; }

    /// <summary>Row labels in report order (the references last).</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>The reference row's label (the first <c>--reference</c>: ratios are to it), or null.</summary>
    public string? Reference { get; init; }

    /// <summary>Every external row's label (<c>--reference</c>), <see cref="Reference"/> first.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    public required IReadOnlyList<BenchServer> Servers { get; init; }

    public required IReadOnlyList<BenchRun> Runs { get; init; }

    public required IReadOnlyList<BenchSummary> Summaries { get; init; }

    /// <summary>Whether Ctrl+C ended it early.</summary>
    public bool Interrupted { get; init; }

    /// <summary><c>--sweep</c>: one capacity sweep per row (empty without it).</summary>
    public IReadOnlyList<Sweep.SweepResult> Sweeps { get; init; } = [];

    /// <summary>Things the reader must know (pool serves only its workers, generator saturated, …).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public BenchSummary? Summary(string model, string cell) => Summaries.FirstOrDefault(s => s.Model == model && s.Cell == cell);
}

/// <summary>Where it ran.</summary>
public sealed record BenchMachine(int Cores, int? ServerCpu, int? GeneratorCpu, string Os, string Runtime)
{
    /// <summary>This machine's cost of a null system call (getppid), ns; null where not measured (<see cref="SyscallCost"/>).</summary>
    public double? NullSyscallNs { get; init; }

    /// <summary>This machine's cost of a recv that returns EAGAIN on an empty non-blocking TCP socket, ns.</summary>
    public double? EagainRecvNs { get; init; }
}
