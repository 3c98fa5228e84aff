namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// The supervisor's watch for hung workers. Every worker writes its <c>@metrics</c> line once a second (whatever
/// <c>--stats-interval</c> says), from a thread pool timer; a worker that writes none for <see cref="After"/> (five
/// reports in a row missed) is stopped, deadlocked, or so starved that its thread pool cannot run a timer, and in
/// each case it still holds its <c>SO_REUSEPORT</c> listener, so the kernel keeps handing it connections that get
/// no answer. Such a worker is killed and restarted like one that died. Five seconds, not one or two: a full GC of a
/// large heap, or thousands of threads on two busy cores, can delay one report, and a false kill costs a worker's
/// connections.
/// </summary>
internal static class HungWorkers
{
    /// <summary>Overrides <see cref="After"/>, in milliseconds (tests).</summary>
    public const string AfterVariable = "ECHO_SERVER_HUNG_AFTER_MS";

    /// <summary>The silence after which a listening worker is taken for hung: 5 s, five missed reports.</summary>
    public static readonly TimeSpan After = TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable(AfterVariable), out var ms) && ms > 0 ? ms : 5000);

    /// <summary>How often the workers are looked at.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(Math.Clamp(After.TotalMilliseconds / 5, 100, 1000));

    /// <summary>Kills every worker silent for <see cref="After"/> until <paramref name="stopping"/> (the group's stop; a stopping worker has its own deadline).</summary>
    public static async Task WatchAsync(IReadOnlyList<WorkerProcess> workers, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                foreach (var worker in workers)
                {
                    worker.KillIfSilent(After);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The group stops.
        }
    }
}
