using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// The periodic one-line stats log: active, accepted, rejected, msgs/s, bytes in/out, protocol errors, resets, idle
/// closes, and the bytes the whole process allocated per message echoed in the interval with the gen0 collections
/// (the steady-state allocation check of docs/performance.md: zero for the event loop, near zero for the pipe models).
/// </summary>
public sealed partial class StatsReporter : IDisposable
{
    private readonly EchoMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private MetricsSnapshot _last;
    private long _lastTimestamp;
    private long _lastAllocated;
    private int _lastGen0;

    /// <summary>Starts logging every <paramref name="interval"/>; zero disables it.</summary>
    public StatsReporter(EchoMetrics metrics, ILogger logger, TimeSpan interval)
    {
        _metrics = metrics;
        _logger = logger;
        _last = metrics.Snapshot();
        _lastTimestamp = Environment.TickCount64;
        _lastAllocated = GC.GetTotalAllocatedBytes();
        _lastGen0 = GC.CollectionCount(0);
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
            var allocated = GC.GetTotalAllocatedBytes();
            var gen0 = GC.CollectionCount(0);
            var messages = now.Messages - _last.Messages;
            var allocatedPerMessage = (allocated - _lastAllocated) / (double)Math.Max(1, messages);
            LogStats(
                _logger,
                now.Active,
                now.Accepted,
                now.Rejected,
                messages / seconds,
                bytesIn,
                bytesOut,
                now.ProtocolErrors,
                now.Resets,
                now.IdleCloses,
                now.SendTimeouts,
                allocatedPerMessage,
                gen0 - _lastGen0);
            _last = now;
            _lastAllocated = allocated;
            _lastGen0 = gen0;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: active {Active}, accepted {Accepted}, rejected {Rejected}, {MessagesPerSecond:0} msgs/s, in {BytesIn}, out {BytesOut}, protocol errors {ProtocolErrors}, resets {Resets}, idle closes {IdleCloses}, send timeouts {SendTimeouts}, allocated {AllocatedPerMessage:0.00} B/msg, gen0 GCs {Gen0Collections}")]
    private static partial void LogStats(ILogger logger, long active, long accepted, long rejected, double messagesPerSecond, string bytesIn, string bytesOut, long protocolErrors, long resets, long idleCloses, long sendTimeouts, double allocatedPerMessage, int gen0Collections);
}
