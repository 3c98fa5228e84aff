namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// A worker's side of the supervisor link: its totals on stdout every second and once more when it stops, and its
/// stdin watched: the supervisor holds the other end, so end of file means the supervisor is gone (even SIGKILLed)
/// and the worker stops like on SIGTERM instead of serving on as an orphan.
/// </summary>
internal sealed class WorkerChannel : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly EchoMetrics _metrics;
    private readonly Timer _timer;

    public WorkerChannel(EchoMetrics metrics, Action supervisorGone)
    {
        _metrics = metrics;
        _timer = new Timer(static state => ((WorkerChannel)state!).Report(), this, Period, Period);
        var watcher = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (stdin.Read(buffer) > 0)
                {
                    // The supervisor never writes; anything read is ignored.
                }
            }
            catch (IOException)
            {
                // A broken stdin means the same: nobody is supervising.
            }

            supervisorGone();
        })
        {
            IsBackground = true,
            Name = "supervisor watch",
        };
        watcher.Start();
    }

    /// <summary>Writes the current totals and this process's CPU time for the supervisor.</summary>
    public void Report() => Console.Out.WriteLine(WorkerReport.Format(_metrics.Snapshot(), Environment.CpuUsage.TotalTime));

    public void Dispose() => _timer.Dispose();
}
