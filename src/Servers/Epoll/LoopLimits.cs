using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Epoll;

/// <summary>The one set of constants of both epoll loops (they had drifted: 512 vs 256 events, 2 s vs 1 s of linger).</summary>
internal static class LoopLimits
{
    /// <summary>epoll_wait returns up to this many events per call.</summary>
    public const int MaxEvents = 512;

    /// <summary>After our FIN, input is read and dropped for at most this long before the close (so it sends FIN, not RST); as in every model.</summary>
    public static TimeSpan LingerTime => LingeringClose.MaxTime;

    /// <summary><see cref="LingerTime"/> in <see cref="LoopClock"/> ticks.</summary>
    public static long LingerTicks { get; } = LoopClock.ToTicks(LingerTime);
}
