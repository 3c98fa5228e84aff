using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>The periodic one-line stats log: active, accepted, rejected, msgs/s, bytes in/out, protocol errors.</summary>
public sealed partial class StatsReporter : IDisposable
{
    private readonly EchoMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private MetricsSnapshot _last;
    private long _lastTimestamp;

    /// <summary>Starts logging every <paramref name="interval"/>; zero disables it.</summary>
    public StatsReporter(EchoMetrics metrics, ILogger logger, TimeSpan interval)
    {
        _metrics = metrics;
        _logger = logger;
        _last = metrics.Snapshot();
        _lastTimestamp = Environment.TickCount64;
        if (interval > TimeSpan.Zero)
        {
            _timer = new Timer(static state => ((StatsReporter)state!).Report(), this, interval, interval);
        }
    }

    /// <summary>Logs one stats line for the time since the last one.</summary>
    public void Report()
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        lock (_gate)
        {
            var now = _metrics.Snapshot();
            if (now == _last && now.Active == 0)
            {
                // Nothing happened and nobody is connected: an idle server keeps its log quiet.
                return;
            }

            var timestamp = Environment.TickCount64;
            var seconds = Math.Max(0.001, (timestamp - _lastTimestamp) / 1000.0);
            var bytesIn = FormatBytes((now.BytesIn - _last.BytesIn) / seconds);
            var bytesOut = FormatBytes((now.BytesOut - _last.BytesOut) / seconds);
            LogStats(
                _logger,
                now.Active,
                now.Accepted,
                now.Rejected,
                (now.Messages - _last.Messages) / seconds,
                bytesIn,
                bytesOut,
                now.ProtocolErrors);
            _last = now;
            _lastTimestamp = timestamp;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _timer?.Dispose();

    private static string FormatBytes(double perSecond) => perSecond switch
    {
        >= 1024 * 1024 => $"{perSecond / (1024 * 1024):0.0} MiB/s",
        >= 1024 => $"{perSecond / 1024:0.0} KiB/s",
        _ => $"{perSecond:0} B/s",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: active {Active}, accepted {Accepted}, rejected {Rejected}, {MessagesPerSecond:0} msgs/s, in {BytesIn}, out {BytesOut}, protocol errors {ProtocolErrors}")]
    private static partial void LogStats(ILogger logger, long active, long accepted, long rejected, double messagesPerSecond, string bytesIn, string bytesOut, long protocolErrors);
}
