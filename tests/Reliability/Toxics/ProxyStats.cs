namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>What a <see cref="FaultProxy"/> has done, summed over its connections. Lock free; read any time.</summary>
public sealed class ProxyStats
{
    private readonly long[] _read = new long[2];
    private readonly long[] _written = new long[2];
    private readonly long[] _dropped = new long[2];
    private long _accepted;
    private long _resets;
    private long _upstreamFailures;

    /// <summary>Client connections accepted.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections aborted with a reset, by a toxic or because a peer reset.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>Connections that could not reach the upstream server (the client was reset).</summary>
    public long UpstreamFailures => Interlocked.Read(ref _upstreamFailures);

    /// <summary>Bytes read from the source of <paramref name="direction"/>.</summary>
    public long BytesRead(ToxicDirection direction) => Interlocked.Read(ref _read[(int)direction]);

    /// <summary>Bytes written to the destination of <paramref name="direction"/>.</summary>
    public long BytesWritten(ToxicDirection direction) => Interlocked.Read(ref _written[(int)direction]);

    /// <summary>Bytes dropped after a <see cref="LimitDataToxic"/> closed <paramref name="direction"/>.</summary>
    public long BytesDropped(ToxicDirection direction) => Interlocked.Read(ref _dropped[(int)direction]);

    internal void OnAccepted() => Interlocked.Increment(ref _accepted);

    internal void OnReset() => Interlocked.Increment(ref _resets);

    internal void OnUpstreamFailure() => Interlocked.Increment(ref _upstreamFailures);

    internal void OnRead(ToxicDirection direction, int bytes) => Interlocked.Add(ref _read[(int)direction], bytes);

    internal void OnWritten(ToxicDirection direction, int bytes) => Interlocked.Add(ref _written[(int)direction], bytes);

    internal void OnDropped(ToxicDirection direction, int bytes) => Interlocked.Add(ref _dropped[(int)direction], bytes);
}
