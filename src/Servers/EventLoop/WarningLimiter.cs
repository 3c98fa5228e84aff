namespace EchoServers.Servers.EventLoop;

/// <summary>
/// At most one warning per cause per <see cref="Period"/>, across all loops: a flood of bad peers must not turn
/// into a flood of log lines. The next line that gets through says how many were suppressed.
/// </summary>
internal sealed class WarningLimiter
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    private readonly long _periodMs = (long)Period.TotalMilliseconds;
    private readonly long[] _next = new long[Enum.GetValues<WarningCause>().Length];
    private readonly long[] _suppressed = new long[Enum.GetValues<WarningCause>().Length];

    /// <summary>Whether to log now; <paramref name="suppressed"/> is the text to append (empty when none were).</summary>
    public bool ShouldLog(WarningCause cause, out string suppressed)
    {
        var i = (int)cause;
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _next[i]);
        if (now < next || Interlocked.CompareExchange(ref _next[i], now + _periodMs, next) != next)
        {
            Interlocked.Increment(ref _suppressed[i]);
            suppressed = string.Empty;
            return false;
        }

        var count = Interlocked.Exchange(ref _suppressed[i], 0);
        suppressed = count == 0 ? string.Empty : $" ({count} similar suppressed in the last {Period.TotalSeconds:0} s)";
        return true;
    }
}

/// <summary>The kinds of warnings that are rate limited.</summary>
internal enum WarningCause
{
    ProtocolError,
    AcceptExhausted,
    Rejected,
}
