using System.Diagnostics;

namespace EchoServers.Servers.Epoll;

/// <summary>
/// The one time base of both epoll loops: Stopwatch timestamps (sub-millisecond, for deferred replies of a few
/// microseconds of simulated work), and epoll_wait's millisecond timeout to the next deadline.
/// </summary>
internal static class LoopClock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long ToTicks(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>epoll_wait's timeout until <paramref name="deadline"/>: -1 for none, 0 when due, else milliseconds rounded up.</summary>
    public static int TimeoutMs(long deadline)
    {
        if (deadline == long.MaxValue)
        {
            return -1;
        }

        var remaining = deadline - Now;
        if (remaining <= 0)
        {
            return 0;
        }

        // Round up: waking a little late is fine, waking early just spins once more.
        var ms = (remaining * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        return (int)Math.Min(ms, int.MaxValue);
    }
}
