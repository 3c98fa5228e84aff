using System.Text.Json.Serialization;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Reports;

/// <summary>The result of one run; serialised (camelCase) as the JSON result. Keys of DESIGN.md first.</summary>
public sealed record LoadResult
{
    public required ConnectionCounts Connections { get; init; }

    /// <summary>Correct replies to messages due in the measured window.</summary>
    public long Messages { get; init; }

    public double MessagesPerSecond { get; init; }

    /// <summary>Reply bytes per second, framing included.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>From when each message was due (open model: its scheduled time; closed model: its send).</summary>
    public required LatencySummary LatencyUs { get; init; }

    public required ErrorCounts Errors { get; init; }

    /// <summary>No errors, every connection established, and (open model) at least 99 % of the target rate.</summary>
    public bool Valid { get; init; }

    /// <summary>From the actual send of each message.</summary>
    public required LatencySummary ServiceTimeUs { get; init; }

    /// <summary>Open model: how late each message was actually written after it was due.</summary>
    public LatencySummary? SendLatenessUs { get; init; }

    public required LatencySummary ConnectLatencyUs { get; init; }

    public required string Target { get; init; }

    /// <summary>"closed" or "open".</summary>
    public required string Model { get; init; }

    public required string Load { get; init; }

    public required string Framing { get; init; }

    public required string Expect { get; init; }

    public required string Size { get; init; }

    public int Pipeline { get; init; }

    public double DurationSeconds { get; init; }

    public double WarmupSeconds { get; init; }

    /// <summary>Open model: messages per second the schedule asked for (averaged over the measured window).</summary>
    public double? TargetRate { get; init; }

    /// <summary>Open model: messages per second actually sent in the measured window.</summary>
    public double? AchievedRate { get; init; }

    public required GeneratorCost Generator { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    public required IReadOnlyList<SecondSnapshot> PerSecond { get; init; }

    /// <summary>The measured latency histogram (for --hdr and the report), not serialised.</summary>
    [JsonIgnore]
    public HistogramBase? LatencyHistogram { get; init; }

    [JsonIgnore]
    public HistogramBase? ServiceHistogram { get; init; }

    [JsonIgnore]
    public HistogramBase? LatenessHistogram { get; init; }

    [JsonIgnore]
    public HistogramBase? ConnectHistogram { get; init; }

    /// <summary>The histograms as an HdrHistogram log (lossless), so that <c>echo-load merge</c> adds runs exactly.</summary>
    public string? HdrLog { get; init; }
}

public sealed record ConnectionCounts(int Requested, int Established, int Failed, int Served);

public sealed record ErrorCounts(long Total, long Mismatch, long Reset, long Eof, long Timeout, long Reorder, long Missing, long Overflow, long Connect);

/// <summary>
/// What the generator itself cost while measuring. <c>AllocatedBytesPerMessage</c> is the whole process (the live
/// view included); <c>IoThreadAllocatedBytes</c> is what the I/O threads allocated over the whole run.
/// </summary>
public sealed record GeneratorCost(
    double CpuMs,
    int Cores,
    int IoThreads,
    double CpuPercentOfCores,
    double CpuUsPerMessage,
    double GcPauseMs,
    int Gen0Collections,
    double AllocatedBytesPerMessage,
    bool LikelyBottleneck,
    long IoThreadAllocatedBytes = 0);
