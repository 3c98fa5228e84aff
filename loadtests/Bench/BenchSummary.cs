namespace EchoServers.Load.Bench;

/// <summary>One row × one cell over all passes: the numbers of the report's tables and charts.</summary>
public sealed record BenchSummary
{
    public required string Model { get; init; }

    public required string Cell { get; init; }

    /// <summary>Passes that ran (a run that could not be made is in <see cref="Failed"/>).</summary>
    public int Passes { get; init; }

    public int Failed { get; init; }

    public Spread? MessagesPerSecond { get; init; }

    /// <summary>
    /// Each pass's rate ÷ the reference's rate in the same cell and pass; the median of these paired ratios (not the
    /// ratio of medians) cancels drift that hit both runs of a pass.
    /// </summary>
    public Spread? RatioToReference { get; init; }

    public Spread? ServerCpuUsPerMessage { get; init; }

    /// <summary>Server system calls per correct reply (perf, first pass); null where not counted.</summary>
    public double? ServerSyscallsPerMessage { get; init; }

    /// <summary>Connections established per second in the measured window (churn cells), over passes.</summary>
    public Spread? ConnectsPerSecond { get; init; }

    /// <summary>Median over passes of each pass's p99 connect latency (every connect), µs.</summary>
    public double? ConnectP99Us { get; init; }

    /// <summary>TLS cells: medians over passes of each pass's TLS handshake percentiles, µs.</summary>
    public double? HandshakeP50Us { get; init; }

    public double? HandshakeP99Us { get; init; }

    /// <summary>Medians over passes of each pass's percentile, µs.</summary>
    public double? LatencyP50Us { get; init; }

    public double? LatencyP99Us { get; init; }

    public double? LatencyP999Us { get; init; }

    /// <summary>Errors over all passes (mismatch, reorder, reset, eof, timeout, missing, overflow, connect).</summary>
    public long Errors { get; init; }

    public long Mismatches { get; init; }

    public int ConnectionsRequested { get; init; }

    /// <summary>Fewest connections served (had a measured reply) in any pass.</summary>
    public int? ConnectionsServedMin { get; init; }

    /// <summary>Most connections that failed to connect in any pass.</summary>
    public int? ConnectionsFailedMax { get; init; }

    /// <summary>Median over passes of each pass's p99 time from connect start to first reply (starved included), µs.</summary>
    public double? FirstReplyP99Us { get; init; }

    /// <summary>Most connections starved (no reply within the first-reply timeout) in any pass.</summary>
    public long? StarvedMax { get; init; }

    /// <summary>Lowest Jain's fairness index of the per-connection reply counts in any pass.</summary>
    public double? FairnessMin { get; init; }

    /// <summary>Lowest min share (a connection's replies ÷ the mean) in any pass.</summary>
    public double? MinShareMin { get; init; }

    public double? ServerRssBytes { get; init; }

    /// <summary>Idle cells: RSS growth per established connection.</summary>
    public Spread? IdleBytesPerConnection { get; init; }

    /// <summary>Idle cells: the server's RSS with the connections open (median over passes).</summary>
    public double? IdleRssBytes { get; init; }

    /// <summary>Idle cells: fewest connections established / answered in any pass.</summary>
    public int? IdleEstablishedMin { get; init; }

    public int? IdleAnsweredMin { get; init; }

    /// <summary>Idle cells: fewest connections the server held (answered or waiting) in any pass.</summary>
    public int? IdleHeldMin { get; init; }

    /// <summary>Every pass valid (no errors; open model on rate).</summary>
    public bool Valid { get; init; }

    /// <summary>In some pass the generator used ≥ 90 % of its core: the figure is the generator's limit, not the server's.</summary>
    public bool GeneratorSaturated { get; init; }

    /// <summary>Latency by percentile over all passes' messages: (percentile, µs).</summary>
    public IReadOnlyList<PercentilePoint> LatencyCurve { get; init; } = [];
}

/// <summary>One point of a latency-percentile curve.</summary>
public sealed record PercentilePoint(double Percentile, long Us);
