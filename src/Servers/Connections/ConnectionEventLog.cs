using System.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Connections;

/// <summary>
/// The one place a model reports per-connection events: each is counted in <see cref="EchoMetrics"/> (resets, idle
/// closes, refusals, protocol errors, failures) and logged, rate limited, so no model can count without logging or
/// log without counting. A thousand clients resetting at once must not become a thousand log lines: each cause is
/// counted and reported at most once per interval ("37 connections reset by peer in the last 10s"). Protocol errors
/// and unexpected failures are Warnings: the first of an interval is logged at once (a failure with its exception and
/// stack trace), the rest are summed up at the end of it.
/// </summary>
public sealed partial class ConnectionEventLog : IDisposable
{
    private static readonly ConnectionEvent[] Events = Enum.GetValues<ConnectionEvent>();

    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly long[] _counts = new long[Events.Length];
    private readonly Timer _timer;
    private readonly EchoMetrics? _metrics;
    private long _suppressedProtocolErrors;
    private int _protocolErrorLogged;
    private int _failureLogged;
    private string? _firstHandshakeFailure;

    /// <summary>Creates the log, reporting every <paramref name="interval"/> (10 s when zero) and counting in <paramref name="metrics"/>.</summary>
    public ConnectionEventLog(ILogger logger, TimeSpan interval, EchoMetrics? metrics = null)
    {
        _logger = logger;
        _metrics = metrics;
        _interval = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(10);
        _timer = new Timer(static state => ((ConnectionEventLog)state!).Flush(), this, _interval, _interval);
    }

    /// <summary>Counts one event (in the metrics and in this interval's summary line).</summary>
    public void Report(ConnectionEvent connectionEvent)
    {
        Count(connectionEvent);
        Interlocked.Increment(ref _counts[(int)connectionEvent]);
    }

    /// <summary>
    /// Counts one event with its exception. <see cref="ConnectionEvent.Failed"/> is a bug or an error nobody expected:
    /// the first of an interval is a Warning with the exception (stack trace included), the rest are counted. Other
    /// events keep a Debug line with the message only (never above Debug: the summary is the Information line).
    /// </summary>
    public void Report(ConnectionEvent connectionEvent, EndPoint? peer, Exception exception)
    {
        if (connectionEvent == ConnectionEvent.Failed && Interlocked.Exchange(ref _failureLogged, 1) == 0)
        {
            Count(connectionEvent);
            LogFailed(_logger, peer, exception);
            return;
        }

        Report(connectionEvent);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogConnectionDetail(_logger, connectionEvent, peer, exception.Message);
        }
    }

    /// <summary>Counts one event and keeps a Debug line with <paramref name="detail"/> (for callers with an errno, not an exception).</summary>
    public void Report(ConnectionEvent connectionEvent, EndPoint? peer, string detail)
    {
        Report(connectionEvent);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogConnectionDetail(_logger, connectionEvent, peer, detail);
        }
    }

    /// <summary>A peer broke the protocol: counted; Warning with its address, at most one per interval; the rest are summed up.</summary>
    public void ProtocolError(EndPoint? peer, ProtocolError error)
    {
        if (Interlocked.Exchange(ref _protocolErrorLogged, 1) == 0 && _logger.IsEnabled(LogLevel.Warning))
        {
            LogProtocolError(_logger, peer, error.Describe());
        }
        else
        {
            Interlocked.Increment(ref _suppressedProtocolErrors);
        }

        // Counted after the line is written: whoever sees the count (a test, the stats line) finds the line too.
        _metrics?.ProtocolError();
    }

    /// <summary>
    /// A TLS handshake failed: counted; the interval's summary line names the first of them with its peer and reason
    /// (a plain-text client, a client rejecting the certificate, a stalled handshake), so a flood of them is one line.
    /// </summary>
    public void HandshakeFailed(EndPoint? peer, string reason)
    {
        Interlocked.CompareExchange(ref _firstHandshakeFailure, $"{peer}: {reason}", null);
        Report(ConnectionEvent.HandshakeFailed, peer, reason);
    }

    /// <summary>Writes one line per cause seen since the last flush.</summary>
    public void Flush()
    {
        var seconds = DescribeInterval();
        foreach (var connectionEvent in Events)
        {
            var count = Interlocked.Exchange(ref _counts[(int)connectionEvent], 0);
            var what = Describe(connectionEvent);
            if (connectionEvent == ConnectionEvent.HandshakeFailed)
            {
                var first = Interlocked.Exchange(ref _firstHandshakeFailure, null);
                if (count > 0)
                {
                    LogHandshakeFailures(_logger, count, seconds, first ?? "?");
                }
            }
            else if (count > 0 && connectionEvent == ConnectionEvent.Failed && Volatile.Read(ref _failureLogged) == 1)
            {
                // The first of the interval was logged with its exception.
                LogMoreFailures(_logger, count, seconds);
            }
            else if (count > 0 && connectionEvent is ConnectionEvent.AcceptFailed or ConnectionEvent.Failed)
            {
                // Not part of normal traffic: worth a Warning (still one line per interval).
                LogSummaryWarning(_logger, count, what, seconds);
            }
            else if (count > 0)
            {
                LogSummary(_logger, count, what, seconds);
            }
        }

        var suppressed = Interlocked.Exchange(ref _suppressedProtocolErrors, 0);
        if (suppressed > 0)
        {
            LogSuppressedProtocolErrors(_logger, suppressed, seconds);
        }

        Volatile.Write(ref _protocolErrorLogged, 0);
        Volatile.Write(ref _failureLogged, 0);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private void Count(ConnectionEvent connectionEvent)
    {
        switch (connectionEvent)
        {
            case ConnectionEvent.Reset:
                _metrics?.ConnectionReset();
                break;
            case ConnectionEvent.IdleTimeout:
                _metrics?.IdleClosed();
                break;
            case ConnectionEvent.SendTimeout:
                _metrics?.SendTimedOut();
                break;
            case ConnectionEvent.RefusedLimit or ConnectionEvent.RefusedQueueFull or ConnectionEvent.RefusedStopping:
                _metrics?.ConnectionRejected();
                break;
            case ConnectionEvent.Failed:
                _metrics?.ConnectionFailed();
                break;
            case ConnectionEvent.HandshakeFailed:
                _metrics?.HandshakeFailed();
                break;
        }
    }

    private string DescribeInterval() => Protocol.Text.DurationText.Format(_interval);

    private static string Describe(ConnectionEvent connectionEvent) => connectionEvent switch
    {
        ConnectionEvent.Reset => "reset by peer",
        ConnectionEvent.IdleTimeout => "closed after the idle timeout",
        ConnectionEvent.SendTimeout => "aborted after the send timeout (the peer took no replies)",
        ConnectionEvent.HandshakeFailed => "failed the TLS handshake",
        ConnectionEvent.RefusedLimit => "refused (--max-connections reached)",
        ConnectionEvent.RefusedQueueFull => "refused (pool queue full)",
        ConnectionEvent.RefusedStopping => "refused (server stopping)",
        ConnectionEvent.AbortedOnStop => "aborted on stop (did not close within the drain timeout)",
        ConnectionEvent.AcceptFailed => "could not be accepted (accept failed, e.g. out of file descriptors)",
        _ => "failed unexpectedly",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} connections {What} in the last {Interval}")]
    private static partial void LogSummary(ILogger logger, long count, string what, string interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} connections {What} in the last {Interval}")]
    private static partial void LogSummaryWarning(ILogger logger, long count, string what, string interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} connections failed the TLS handshake in the last {Interval} (first: {First})")]
    private static partial void LogHandshakeFailures(ILogger logger, long count, string interval, string first);

    [LoggerMessage(Level = LogLevel.Warning, Message = "protocol error from {Peer}: {Error}; connection closed")]
    private static partial void LogProtocolError(ILogger logger, EndPoint? peer, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} more protocol errors in the last {Interval}")]
    private static partial void LogSuppressedProtocolErrors(ILogger logger, long count, string interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "connection {Peer} failed unexpectedly; closed")]
    private static partial void LogFailed(ILogger logger, EndPoint? peer, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} more connections failed unexpectedly in the last {Interval}")]
    private static partial void LogMoreFailures(ILogger logger, long count, string interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection {Event} ({Peer}): {Detail}")]
    private static partial void LogConnectionDetail(ILogger logger, ConnectionEvent @event, EndPoint? peer, string detail);
}
