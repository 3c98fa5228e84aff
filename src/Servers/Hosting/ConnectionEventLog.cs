using System.Net;
using EchoServers.Protocol.Framing;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// Rate-limited logging of per-connection events. A thousand clients resetting at once must not become a thousand
/// log lines: each cause is counted and reported at most once per interval ("37 connections reset by peer in the
/// last 10s"). Protocol errors are Warnings with the peer address: the first of an interval is logged at once,
/// the rest are summed up at the end of it.
/// </summary>
public sealed partial class ConnectionEventLog : IDisposable
{
    private static readonly ConnectionEvent[] Events = Enum.GetValues<ConnectionEvent>();

    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly long[] _counts = new long[Events.Length];
    private readonly Timer _timer;
    private long _suppressedProtocolErrors;
    private int _protocolErrorLogged;

    /// <summary>Creates the log, reporting every <paramref name="interval"/> (10 s when zero).</summary>
    public ConnectionEventLog(ILogger logger, TimeSpan interval)
    {
        _logger = logger;
        _interval = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(10);
        _timer = new Timer(static state => ((ConnectionEventLog)state!).Flush(), this, _interval, _interval);
    }

    /// <summary>Counts one event.</summary>
    public void Report(ConnectionEvent connectionEvent) => Interlocked.Increment(ref _counts[(int)connectionEvent]);

    /// <summary>Counts one event and keeps a Debug line with its detail (never above Debug: the summary is the Information line).</summary>
    public void Report(ConnectionEvent connectionEvent, EndPoint? peer, Exception exception)
    {
        Report(connectionEvent);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogConnectionDetail(_logger, connectionEvent, peer, exception.Message);
        }
    }

    /// <summary>A peer broke the protocol: Warning with its address, at most one per interval; the rest are counted.</summary>
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
    }

    /// <summary>Writes one line per cause seen since the last flush.</summary>
    public void Flush()
    {
        var seconds = DescribeInterval();
        foreach (var connectionEvent in Events)
        {
            var count = Interlocked.Exchange(ref _counts[(int)connectionEvent], 0);
            var what = Describe(connectionEvent);
            if (count > 0 && connectionEvent is ConnectionEvent.AcceptFailed or ConnectionEvent.Failed)
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
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private string DescribeInterval() => Protocol.Text.DurationText.Format(_interval);

    private static string Describe(ConnectionEvent connectionEvent) => connectionEvent switch
    {
        ConnectionEvent.Reset => "reset by peer",
        ConnectionEvent.IdleTimeout => "closed after the idle timeout",
        ConnectionEvent.RefusedLimit => "refused (--max-connections reached)",
        ConnectionEvent.RefusedQueueFull => "refused (pool queue full)",
        ConnectionEvent.RefusedStopping => "refused (server stopping)",
        ConnectionEvent.AbortedOnStop => "aborted on stop (did not close within the drain timeout)",
        ConnectionEvent.AcceptFailed => "could not be accepted (accept failed, e.g. out of file descriptors)",
        _ => "failed unexpectedly (see Debug log)",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} connections {What} in the last {Interval}")]
    private static partial void LogSummary(ILogger logger, long count, string what, string interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} connections {What} in the last {Interval}")]
    private static partial void LogSummaryWarning(ILogger logger, long count, string what, string interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "protocol error from {Peer}: {Error}; connection closed")]
    private static partial void LogProtocolError(ILogger logger, EndPoint? peer, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} more protocol errors in the last {Interval}")]
    private static partial void LogSuppressedProtocolErrors(ILogger logger, long count, string interval);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection {Event} ({Peer}): {Detail}")]
    private static partial void LogConnectionDetail(ILogger logger, ConnectionEvent @event, EndPoint? peer, string detail);
}
