using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// What the sampler and the result read from one worker of a run: an epoll I/O thread (<see cref="IoLoop"/>) or a
/// shard of the TLS engine's connections (<see cref="Tls.TlsShard"/>). Both record into the same counters and
/// histograms, so every report reads a run the same way whichever engine made it.
/// </summary>
internal interface ILoadWorker
{
    WorkerCounters Counters { get; }

    /// <summary>Latency of every reply, read each second by the sampler.</summary>
    Recorder LatencyInterval { get; }

    /// <summary>Open model: send lateness of every message, read each second by the sampler.</summary>
    Recorder LatenessInterval { get; }

    /// <summary>Latency (from the intended send time) of measured messages.</summary>
    LongHistogram Latency { get; }

    /// <summary>Service time (from the actual send) of measured messages.</summary>
    LongHistogram Service { get; }

    /// <summary>Open model: send lateness of measured messages.</summary>
    LongHistogram Lateness { get; }

    /// <summary>Each connection's time from its connect start to its first correct reply.</summary>
    LongHistogram FirstReply { get; }

    /// <summary>Connect start → established of the connects this worker made itself.</summary>
    LongHistogram ConnectLatency { get; }

    /// <summary>Bytes this worker's thread allocated over the run (0 when it has no thread of its own).</summary>
    long AllocatedBytes { get; }

    /// <summary>What the worker's thread allocated inside the measured window (null when it has no thread of its own).</summary>
    AllocationWindow? AllocationWindow { get; }
}
