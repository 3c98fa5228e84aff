using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The counters and histograms of a share of the TLS engine's connections. Their tasks run on the thread pool, so
/// several may record at once: each record takes <see cref="Gate"/> (a handful of nanoseconds uncontended, next to
/// the microseconds of a TLS record), which keeps the single-writer counters and histograms of
/// <see cref="ILoadWorker"/> exact. The sampler reads them without the lock, as it reads the I/O threads'.
/// </summary>
internal sealed class TlsShard : ILoadWorker
{
    /// <summary>Taken around every update of this shard.</summary>
    public Lock Gate { get; } = new();

    public WorkerCounters Counters { get; } = new();

    public Recorder LatencyInterval { get; } = Histograms.CreateRecorder();

    /// <summary>Open model: send lateness of every message, read each second by the sampler.</summary>
    public Recorder LatenessInterval { get; } = Histograms.CreateRecorder();

    public LongHistogram Latency { get; } = Histograms.Create();

    public LongHistogram Service { get; } = Histograms.Create();

    public LongHistogram Lateness { get; } = Histograms.Create();

    public LongHistogram FirstReply { get; } = Histograms.Create();

    public LongHistogram ConnectLatency { get; } = Histograms.Create();

    /// <summary>TCP established → TLS handshake done, of every handshake that succeeded.</summary>
    public LongHistogram Handshake { get; } = Histograms.Create();

    public long AllocatedBytes => 0;

    public AllocationWindow? AllocationWindow => null;

    /// <summary>Handshakes completed (every phase).</summary>
    public long Handshakes;

    /// <summary>Handshakes completed inside the measured window.</summary>
    public long MeasuredHandshakes;

    /// <summary>Handshakes that failed after the TCP connect succeeded.</summary>
    public long HandshakeFailures;
}
