namespace EchoServers.Servers.Hosting;

/// <summary>
/// What one stats line covers: the counters at the previous line and the seconds since, with the rule that an idle
/// server (nothing changed, nobody connected) keeps its log quiet. The serving process's stats line and the
/// supervisor's summed one both measure their intervals here, and write byte rates the same way.
/// </summary>
internal sealed class StatsInterval(MetricsSnapshot start)
{
    private MetricsSnapshot _last = start;
    private long _lastTimestamp = Environment.TickCount64;

    /// <summary>
    /// Ends the interval at <paramref name="now"/> and starts the next one; false, and the interval goes on, when
    /// nothing happened and nobody is connected.
    /// </summary>
    /// <param name="now">The counters now.</param>
    /// <param name="previous">The counters at the start of the interval.</param>
    /// <param name="seconds">Its length (at least a millisecond, so rates stay finite).</param>
    public bool TryAdvance(MetricsSnapshot now, out MetricsSnapshot previous, out double seconds)
    {
        previous = _last;
        if (now == _last && now.Active == 0)
        {
            seconds = 0;
            return false;
        }

        var timestamp = Environment.TickCount64;
        seconds = Math.Max(0.001, (timestamp - _lastTimestamp) / 1000.0);
        _last = now;
        _lastTimestamp = timestamp;
        return true;
    }

    /// <summary><paramref name="bytes"/> over <paramref name="seconds"/> as B/s, KiB/s or MiB/s.</summary>
    public static string ByteRate(long bytes, double seconds) => (bytes / seconds) switch
    {
        >= 1024 * 1024 and var r => $"{r / (1024 * 1024):0.0} MiB/s",
        >= 1024 and var r => $"{r / 1024:0.0} KiB/s",
        var r => $"{r:0} B/s",
    };
}
