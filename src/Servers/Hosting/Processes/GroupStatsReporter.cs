using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// The supervisor's one stats line: the workers' totals summed (each worker reports them every second), rates over
/// the interval, and how many workers run. Workers log no stats line of their own.
/// </summary>
internal sealed partial class GroupStatsReporter : IDisposable
{
    private readonly Func<IEnumerable<MetricsSnapshot>> _totals;
    private readonly Func<int> _running;
    private readonly int _processes;
    private readonly Func<int> _restarts;
    private readonly ILogger _logger;
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private MetricsSnapshot _last;
    private long _lastTimestamp = Environment.TickCount64;

    public GroupStatsReporter(Func<IEnumerable<MetricsSnapshot>> totals, Func<int> running, int processes, Func<int> restarts, ILogger logger, TimeSpan interval)
    {
        _totals = totals;
        _running = running;
        _processes = processes;
        _restarts = restarts;
        _logger = logger;
        if (interval > TimeSpan.Zero)
        {
            _timer = new Timer(static state => ((GroupStatsReporter)state!).Report(), this, interval, interval);
        }
    }

    /// <summary>The workers' totals summed.</summary>
    public MetricsSnapshot Sum() => _totals().Aggregate(default(MetricsSnapshot), WorkerReport.Add);

    public void Report()
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        lock (_gate)
        {
            var now = Sum();
            if (now == _last && now.Active == 0)
            {
                return;
            }

            var timestamp = Environment.TickCount64;
            var seconds = Math.Max(0.001, (timestamp - _lastTimestamp) / 1000.0);
            var running = _running();
            var restarts = _restarts();
            var bytesIn = Rate(now.BytesIn - _last.BytesIn, seconds);
            var bytesOut = Rate(now.BytesOut - _last.BytesOut, seconds);
            LogStats(
                _logger,
                running,
                _processes,
                restarts,
                now.Active,
                now.Accepted,
                now.Rejected,
                (now.Messages - _last.Messages) / seconds,
                bytesIn,
                bytesOut,
                now.ProtocolErrors,
                now.Resets,
                now.IdleCloses,
                now.SendTimeouts,
                now.Failures);
            _last = now;
            _lastTimestamp = timestamp;
        }
    }

    public void Dispose() => _timer?.Dispose();

    private static string Rate(long bytes, double seconds) => (bytes / seconds) switch
    {
        >= 1024 * 1024 and var r => $"{r / (1024 * 1024):0.0} MiB/s",
        >= 1024 and var r => $"{r / 1024:0.0} KiB/s",
        var r => $"{r:0} B/s",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: workers {Running}/{Processes}, restarts {Restarts}, active {Active}, accepted {Accepted}, rejected {Rejected}, {MessagesPerSecond:0} msgs/s, in {BytesIn}, out {BytesOut}, protocol errors {ProtocolErrors}, resets {Resets}, idle closes {IdleCloses}, send timeouts {SendTimeouts}, failures {Failures}")]
    private static partial void LogStats(ILogger logger, int running, int processes, int restarts, long active, long accepted, long rejected, double messagesPerSecond, string bytesIn, string bytesOut, long protocolErrors, long resets, long idleCloses, long sendTimeouts, long failures);
}
