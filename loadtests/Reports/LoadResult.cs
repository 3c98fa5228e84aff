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

    /// <summary>
    /// The old name of <see cref="ConnectUs"/>: the JSON still carries <c>connectLatencyUs</c> (written from
    /// <see cref="ConnectUs"/>, never read back) for one release, so readers can move to <c>connectUs</c>.
    /// </summary>
    public LatencySummary ConnectLatencyUs => ConnectUs;

    /// <summary>Per connection: connect start → established.</summary>
    public LatencySummary ConnectUs { get; init; } = LatencySummary.Empty;

    /// <summary>
    /// Per connection: connect start → first correct reply, whatever the window (<c>--start together</c>: from the
    /// load start when later). Connections never answered are in it with the time they waited.
    /// </summary>
    public LatencySummary FirstReplyUs { get; init; } = LatencySummary.Empty;

    /// <summary>Connections established over the whole run: the connect phase's plus every churn reconnect.</summary>
    public long Connects { get; init; }

    /// <summary>Connections established per second inside the measured window (churn: the connect rate sustained).</summary>
    public double ConnectsPerSecond { get; init; }

    /// <summary>Churn (<c>--reconnect</c>): reopen attempts of connections that failed, were refused or reset.</summary>
    public long Reconnects { get; init; }

    /// <summary>Failed connects by cause (also in <see cref="ErrorCounts.Connect"/>).</summary>
    public ConnectFailureCounts ConnectFailures { get; init; } = ConnectFailureCounts.None;

    /// <summary>Churn settings of the run: messages per connection (0 = unlimited), lifetime in seconds (0 = unlimited), reconnect.</summary>
    public int MessagesPerConnection { get; init; }

    public double ConnectionLifetimeSeconds { get; init; }

    public bool Reconnect { get; init; }

    /// <summary>Connections without a correct reply within <c>--first-reply-timeout</c> (also in <see cref="ErrorCounts.Starved"/>).</summary>
    public long Starved { get; init; }

    /// <summary>How evenly the connections were served in the measured window.</summary>
    public FairnessSummary Fairness { get; init; } = FairnessSummary.None;

    /// <summary>"immediate" (each connection talks once it is up) or "together" (after all are up).</summary>
    public string Start { get; init; } = "immediate";

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

    /// <summary>
    /// Which engine ran: <c>epoll</c> (raw sockets in epoll I/O loops, the default) or <c>tls</c> (<c>--tls</c>:
    /// SslStream, one task per connection on the thread pool).
    /// </summary>
    public string Engine { get; init; } = "epoll";

    /// <summary><c>--tls</c>: the handshakes; null (and absent from the JSON) for plain TCP.</summary>
    public TlsSummary? Tls { get; init; }

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

    /// <summary>Connect start → first reply per connection (<see cref="FirstReplyUs"/>), not serialised.</summary>
    [JsonIgnore]
    public HistogramBase? FirstReplyHistogram { get; init; }

    /// <summary><c>--tls</c>: the handshake times (<see cref="TlsSummary.HandshakeUs"/>), not serialised.</summary>
    [JsonIgnore]
    public HistogramBase? HandshakeHistogram { get; init; }

    /// <summary>The histograms as an HdrHistogram log (lossless), so that <c>echo-load merge</c> adds runs exactly.</summary>
    public string? HdrLog { get; init; }
}

public sealed record ConnectionCounts(int Requested, int Established, int Failed, int Served);

/// <summary>Errors by kind; all count messages except <c>Connect</c> and <c>Starved</c>, which count connections.</summary>
public sealed record ErrorCounts(long Total, long Mismatch, long Reset, long Eof, long Timeout, long Reorder, long Missing, long Overflow, long Connect, long Starved = 0);

/// <summary>
/// What the generator itself cost while measuring. <c>AllocatedBytesPerMessage</c> is the whole process (the live
/// view included); <c>IoThreadAllocatedBytes</c> is what the I/O threads allocated over the whole run;
/// <c>IoThreadAllocatedBytesPerMessage</c> what they allocated inside the measured window ÷ the replies they took in
/// meanwhile (the epoll engine's steady state: 0; null for the TLS engine, whose tasks have no thread of their own).
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
    long IoThreadAllocatedBytes = 0,
    double? IoThreadAllocatedBytesPerMessage = null);
