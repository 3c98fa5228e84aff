using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The counters and histograms of a share of the TLS engine's connections. Their tasks run on the thread pool, so
/// several may record at once: each record takes <see cref="Gate"/> (a handful of nanoseconds uncontended, next to
/// the microseconds of a TLS record), which keeps the single-writer counters and histograms of
/// <see cref="ILoadWorker"/> exact. The sampler reads them without the lock, as it reads the I/O threads'.
/// </summary>
internal sealed class TlsShard : WorkerRecords
{
    /// <summary>Taken around every update of this shard.</summary>
    public Lock Gate { get; } = new();

    /// <summary>TCP established → TLS handshake done, of every handshake that succeeded.</summary>
    public LongHistogram Handshake { get; } = Histograms.Create();

    public override long AllocatedBytes => 0;

    public override AllocationWindow? AllocationWindow => null;

    /// <summary>Handshakes completed (every phase).</summary>
    public long Handshakes;

    /// <summary>Handshakes completed inside the measured window.</summary>
    public long MeasuredHandshakes;

    /// <summary>Handshakes that failed after the TCP connect succeeded.</summary>
    public long HandshakeFailures;
}
