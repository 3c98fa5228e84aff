using System.Diagnostics;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Processes;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Processes;

/// <summary>A worker that ignores SIGTERM (or hangs in its drain) is killed once the drain timeout and a grace have passed, so the group's stop ends.</summary>
public sealed class SupervisorStopDeadlineTests
{
    [Fact]
    public async Task A_worker_that_outlives_the_drain_deadline_is_killed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "starts /bin/sh");
        using var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        var options = new ServerOptions { DrainTimeout = TimeSpan.FromMilliseconds(200) };
        using var supervisor = new ProcessSupervisor(options, 1, new WorkerCommandLine("/bin/sh", []), factory.CreateLogger("test"));
        var worker = new WorkerProcess(1, new WorkerCommandLine("/bin/sh", []), port: 0, start: info =>
        {
            // SIGTERM ignored, and the ignoring survives exec: a worker that never drains.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("trap '' TERM; echo 'listening on 127.0.0.1:0'; exec sleep 60");
            return Process.Start(info);
        });
        supervisor.Adopt([worker]);

        var supervising = supervisor.SuperviseAsync(worker, worker.Start());
        await worker.Listening.WaitAsync(TestClient.DefaultTimeout, TestContext.Current.CancellationToken);
        var stopped = Stopwatch.GetTimestamp();
        supervisor.RequestStop();

        var code = await supervising.WaitAsync(options.DrainTimeout + ProcessSupervisor.KillGrace + TestClient.DefaultTimeout, TestContext.Current.CancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(stopped);
        Assert.NotEqual(0, code);
        Assert.True(elapsed >= options.DrainTimeout + ProcessSupervisor.KillGrace - TimeSpan.FromMilliseconds(50), $"killed after {elapsed.TotalSeconds:0.0} s");
        Assert.Single(logs.Entries, e => e.Message.Contains("did not exit within", StringComparison.Ordinal));
    }
}
