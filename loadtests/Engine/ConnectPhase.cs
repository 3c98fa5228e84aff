using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// How the connect phase went, as the result counts it: connections established and failed (by cause), those never
/// attempted, the first error, and the connect latency of the phase's own connects. Made from the epoll engine's
/// <see cref="Connector"/>, or by the TLS engine, where a connection is established once its handshake is done.
/// </summary>
internal sealed record ConnectPhase(int Established, int Failed, int NotAttempted, long[] FailedBy, HistogramBase ConnectLatency, string? FirstError)
{
    public static ConnectPhase Of(Connector connector) =>
        new(connector.Established, connector.Failed, connector.NotAttempted, connector.FailedBy, connector.ConnectLatency, connector.FirstError);
}
