using System.Text.Json.Serialization;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Bench;

/// <summary>
/// One measured run: a cell against a row in one pass. <see cref="Result"/> is the engine's full result (load cells)
/// and <see cref="Idle"/> the memory reading (idle cells); <see cref="Error"/> says why there is neither.
/// </summary>
public sealed record BenchRun
{
    public required int Pass { get; init; }

    public required string Cell { get; init; }

    public required string Model { get; init; }

    /// <summary>Why the run could not be made (server did not start, died, no connection); null when it ran.</summary>
    public string? Error { get; init; }

    /// <summary>Correct replies per second over the measured window (0 when it did not run).</summary>
    public double MessagesPerSecond { get; init; }

    /// <summary>Server CPU (user + system, all threads) over the measured window ÷ correct replies, µs.</summary>
    public double? ServerCpuUsPerMessage { get; init; }

    /// <summary>Server CPU over the measured window as a percentage of one core.</summary>
    public double? ServerCpuPercent { get; init; }

    /// <summary>Server system calls over the measured window ÷ correct replies (first pass, where perf can count them).</summary>
    public double? ServerSyscallsPerMessage { get; init; }

    /// <summary>Server resident memory at the end of the measured window.</summary>
    public long? ServerRssBytes { get; init; }

    /// <summary>Server threads at the end of the measured window.</summary>
    public int? ServerThreads { get; init; }

    /// <summary>
    /// The generator's CPU over the measured window as a percentage of the cores it may use (one when pinned: the
    /// engine's own figure divides by every core of the machine).
    /// </summary>
    public double? GeneratorCpuPercent { get; init; }

    public LoadResult? Result { get; init; }

    public IdleResult? Idle { get; init; }

    /// <summary>Latency histogram of the run, kept in memory to merge passes for the percentile charts.</summary>
    [JsonIgnore]
    public HistogramBase? Latency { get; init; }

    /// <summary>Errors the engine counted (0 when it did not run: see <see cref="Error"/>).</summary>
    public long ErrorCount => Result?.Errors.Total ?? 0;
}

/// <summary>
/// The idle-connection memory reading: connections opened, one 16-byte message echoed on each (so every model has
/// really set the connection up), held idle, then the server's RSS compared with before.
/// </summary>
public sealed record IdleResult(
    int Requested, int Established, int Answered, int Closed, int Silent, long RssBeforeBytes, long RssAfterBytes, int ThreadsAfter)
{
    /// <summary>Connections the server holds: answered, or silently waiting (a pool's queue); not those it closed.</summary>
    public int Held => Answered + Silent;

    /// <summary>RSS growth ÷ connections held.</summary>
    public double BytesPerConnection => Held > 0 ? Math.Max(0, RssAfterBytes - RssBeforeBytes) / (double)Held : 0;
}
