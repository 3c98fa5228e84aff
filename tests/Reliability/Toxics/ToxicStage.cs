namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// A toxic's per-connection, per-direction state (byte counts, a stall started). One pump calls it, one chunk
/// at a time, so a stage needs no locking; while it awaits, the pump does not read its source (TCP backpressure).
/// </summary>
public abstract class ToxicStage
{
    /// <summary>Handles one chunk read from the source, passing what it lets through to <paramref name="next"/>.</summary>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken);
}
