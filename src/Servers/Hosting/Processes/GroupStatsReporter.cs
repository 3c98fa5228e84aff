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
    private readonly StatsInterval _interval = new(default);

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
            if (!_interval.TryAdvance(now, out var last, out var seconds))
            {
                return;
            }

            var running = _running();
            var restarts = _restarts();
            var bytesIn = StatsInterval.ByteRate(now.BytesIn - last.BytesIn, seconds);
            var bytesOut = StatsInterval.ByteRate(now.BytesOut - last.BytesOut, seconds);
            LogStats(
                _logger,
                running,
                _processes,
                restarts,
                now.Active,
                now.Accepted,
                now.Rejected,
                (now.Messages - last.Messages) / seconds,
                bytesIn,
                bytesOut,
                now.ProtocolErrors,
                now.Resets,
                now.IdleCloses,
                now.SendTimeouts,
                now.Failures);
        }
    }

    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "stats: workers {Running}/{Processes}, restarts {Restarts}, active {Active}, accepted {Accepted}, rejected {Rejected}, {MessagesPerSecond:0} msgs/s, in {BytesIn}, out {BytesOut}, protocol errors {ProtocolErrors}, resets {Resets}, idle closes {IdleCloses}, send timeouts {SendTimeouts}, failures {Failures}")]
    private static partial void LogStats(ILogger logger, int running, int processes, int restarts, long active, long accepted, long rejected, double messagesPerSecond, string bytesIn, string bytesOut, long protocolErrors, long resets, long idleCloses, long sendTimeouts, long failures);
}
