namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// How long to wait before restarting a worker: 100 ms, doubling to 30 s while it keeps dying young, back to
/// 100 ms once it has run for 10 s. A worker that crashes at start-up costs a few restarts a minute, not a spin.
/// </summary>
internal sealed class RestartBackoff
{
    /// <summary>Overrides the first delay, in milliseconds (tests that must observe the group while a worker is down).</summary>
    public const string FirstDelayVariable = "ECHO_SERVER_FIRST_RESTART_MS";

    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable(FirstDelayVariable), out var ms) && ms >= 0 ? ms : 100);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Healthy = TimeSpan.FromSeconds(10);

    private TimeSpan _next = First;

    /// <summary>The delay before the next start of a worker that ran for <paramref name="uptime"/>.</summary>
    public TimeSpan Next(TimeSpan uptime)
    {
        if (uptime >= Healthy)
        {
            _next = First;
        }

        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(Max.Ticks, _next.Ticks * 2));
        return delay;
    }
}
