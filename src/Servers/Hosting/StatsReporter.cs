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
    private readonly StatsInterval _interval;
    private long _lastAllocated = GC.GetTotalAllocatedBytes();
    private int _lastGen0 = GC.CollectionCount(0);

    /// <summary>Starts logging every <paramref name="interval"/>; zero disables it.</summary>
    public StatsReporter(EchoMetrics metrics, ILogger logger, TimeSpan interval)
    {
        _metrics = metrics;
        _logger = logger;
        _interval = new StatsInterval(metrics.Snapshot());
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
            if (!_interval.TryAdvance(now, out var last, out var seconds))
            {
                return;
            }

            var bytesIn = StatsInterval.ByteRate(now.BytesIn - last.BytesIn, seconds);
            var bytesOut = StatsInterval.ByteRate(now.BytesOut - last.BytesOut, seconds);
            var allocated = GC.GetTotalAllocatedBytes();
            var gen0 = GC.CollectionCount(0);
            var messages = now.Messages - last.Messages;
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
            _lastAllocated = allocated;
            _lastGen0 = gen0;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: active {Active}, accepted {Accepted}, rejected {Rejected}, {MessagesPerSecond:0} msgs/s, in {BytesIn}, out {BytesOut}, protocol errors {ProtocolErrors}, resets {Resets}, idle closes {IdleCloses}, send timeouts {SendTimeouts}, allocated {AllocatedPerMessage:0.00} B/msg, gen0 GCs {Gen0Collections}")]
    private static partial void LogStats(ILogger logger, long active, long accepted, long rejected, double messagesPerSecond, string bytesIn, string bytesOut, long protocolErrors, long resets, long idleCloses, long sendTimeouts, double allocatedPerMessage, int gen0Collections);
}
