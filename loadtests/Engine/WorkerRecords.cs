using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The counters and histograms every worker of either engine records into (<see cref="ILoadWorker"/>), declared once:
/// an epoll I/O thread and a TLS shard differ only in who writes them (one thread, or tasks under a lock).
/// </summary>
internal abstract class WorkerRecords : ILoadWorker
{
    public WorkerCounters Counters { get; } = new();

    /// <summary>Latency of every reply, read each second by the sampler.</summary>
    public Recorder LatencyInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Open model: send lateness (actual − intended send time) of every message, read each second.</summary>
    public Recorder LatenessInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Latency (from the intended send time) of measured messages.</summary>
    public LongHistogram Latency { get; } = Histograms.Create();

    /// <summary>Service time (from the actual send) of measured messages.</summary>
    public LongHistogram Service { get; } = Histograms.Create();

    /// <summary>Open model: send lateness of measured messages.</summary>
    public LongHistogram Lateness { get; } = Histograms.Create();

    /// <summary>Each connection's time from its connect start to its first correct reply, whatever the window.</summary>
    public LongHistogram FirstReply { get; } = Histograms.Create();

    /// <summary>Connect start → established of the connects this worker made itself (churn).</summary>
    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    public abstract long AllocatedBytes { get; }

    public abstract AllocationWindow? AllocationWindow { get; }
}
