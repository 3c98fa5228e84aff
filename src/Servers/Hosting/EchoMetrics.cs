using System.Diagnostics.Metrics;
using EchoServers.Protocol.Session;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// The meter <c>EchoServers</c> (readable with <c>dotnet-counters monitor --counters EchoServers</c>) and the totals
/// behind the periodic stats line. Updated once per read batch, never per message; lock free.
/// </summary>
public sealed class EchoMetrics : ISessionCounters, IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "EchoServers";

    private readonly Meter _meter;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _protocolErrors;
    private readonly Counter<long> _resets;
    private readonly Counter<long> _idleCloses;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _sendTimeouts;
    private readonly Counter<long> _handshakes;
    private readonly Counter<long> _handshakeFailures;
    private long _activeCount;
    private long _acceptedCount;
    private long _rejectedCount;
    private long _bytesInCount;
    private long _bytesOutCount;
    private long _messagesCount;
    private long _protocolErrorsCount;
    private long _resetsCount;
    private long _idleClosesCount;
    private long _sendTimeoutsCount;
    private long _failuresCount;
    private long _handshakesCount;
    private long _handshakeFailuresCount;

    /// <summary>Creates the meter and its instruments.</summary>
    public EchoMetrics()
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableUpDownCounter("echo.connections.active", () => Volatile.Read(ref _activeCount), "{connection}", "Connections being served");
        _accepted = _meter.CreateCounter<long>("echo.connections.accepted", "{connection}", "Connections accepted");
        _rejected = _meter.CreateCounter<long>("echo.connections.rejected", "{connection}", "Connections refused (limits, full queue)");
        _bytesIn = _meter.CreateCounter<long>("echo.bytes.in", "By", "Bytes received");
        _bytesOut = _meter.CreateCounter<long>("echo.bytes.out", "By", "Bytes sent");
        _messages = _meter.CreateCounter<long>("echo.messages", "{message}", "Messages echoed");
        _protocolErrors = _meter.CreateCounter<long>("echo.protocol.errors", "{error}", "Connections closed for protocol errors");
        _resets = _meter.CreateCounter<long>("echo.connections.resets", "{connection}", "Connections reset by the peer (or broken)");
        _idleCloses = _meter.CreateCounter<long>("echo.connections.idle_closes", "{connection}", "Connections closed after the idle or frame timeout");
        _sendTimeouts = _meter.CreateCounter<long>("echo.connections.send_timeouts", "{connection}", "Connections aborted because the peer took no replies for the send timeout");
        _failures = _meter.CreateCounter<long>("echo.connections.failed", "{connection}", "Connections ended by an unexpected error");
        _handshakes = _meter.CreateCounter<long>("echo.tls.handshakes", "{handshake}", "TLS handshakes completed (--tls)");
        _handshakeFailures = _meter.CreateCounter<long>("echo.tls.handshake_failures", "{connection}", "Connections closed because their TLS handshake failed or missed its deadline");
    }

    /// <summary>Connections being served now.</summary>
    public long Active => Volatile.Read(ref _activeCount);

    /// <summary>A snapshot of the totals.</summary>
    public MetricsSnapshot Snapshot() => new(
        Volatile.Read(ref _activeCount),
        Volatile.Read(ref _acceptedCount),
        Volatile.Read(ref _rejectedCount),
        Volatile.Read(ref _messagesCount),
        Volatile.Read(ref _bytesInCount),
        Volatile.Read(ref _bytesOutCount),
        Volatile.Read(ref _protocolErrorsCount),
        Volatile.Read(ref _resetsCount),
        Volatile.Read(ref _idleClosesCount),
        Volatile.Read(ref _failuresCount),
        Volatile.Read(ref _handshakesCount),
        Volatile.Read(ref _handshakeFailuresCount),
        Volatile.Read(ref _sendTimeoutsCount));

    /// <summary>A connection was accepted and is now served.</summary>
    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _activeCount);
        Count(ref _acceptedCount, _accepted);
    }

    /// <summary>A served connection ended.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _activeCount);

    /// <summary>A connection was refused (over a limit, queue full).</summary>
    public void ConnectionRejected() => Count(ref _rejectedCount, _rejected);

    /// <summary>A connection was closed for breaking the protocol.</summary>
    public void ProtocolError() => Count(ref _protocolErrorsCount, _protocolErrors);

    /// <summary>The peer reset a connection or it broke.</summary>
    public void ConnectionReset() => Count(ref _resetsCount, _resets);

    /// <summary>A connection was closed after the idle (or frame) timeout.</summary>
    public void IdleClosed() => Count(ref _idleClosesCount, _idleCloses);

    /// <summary>A connection was aborted because its peer took no replies for the send timeout.</summary>
    public void SendTimedOut() => Count(ref _sendTimeoutsCount, _sendTimeouts);

    /// <summary>A connection was ended by an unexpected error.</summary>
    public void ConnectionFailed() => Count(ref _failuresCount, _failures);

    /// <summary>A TLS handshake completed.</summary>
    public void HandshakeCompleted() => Count(ref _handshakesCount, _handshakes);

    /// <summary>A connection was closed because its TLS handshake failed or missed its deadline.</summary>
    public void HandshakeFailed() => Count(ref _handshakeFailuresCount, _handshakeFailures);

    /// <summary>One event: the total the stats line reads, and the instrument's counter, both counted.</summary>
    private static void Count(ref long total, Counter<long> counter)
    {
        Interlocked.Increment(ref total);
        counter.Add(1);
    }

    /// <inheritdoc/>
    public void OnEchoed(int messages, long bytesIn, long bytesOut)
    {
        Interlocked.Add(ref _messagesCount, messages);
        Interlocked.Add(ref _bytesInCount, bytesIn);
        Interlocked.Add(ref _bytesOutCount, bytesOut);
        _messages.Add(messages);
        _bytesIn.Add(bytesIn);
        _bytesOut.Add(bytesOut);
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
