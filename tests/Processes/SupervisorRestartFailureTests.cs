using System.ComponentModel;
using System.Diagnostics;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Processes;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Processes;

/// <summary>
/// A restart that cannot start the worker (<see cref="Process.Start(ProcessStartInfo)"/> throws: the program was
/// replaced or removed, no processes left) neither ends the supervision of that slot nor throws out of it (which took
/// the whole group down with a stack trace): it logs one line per failed attempt and tries again with back-off.
/// </summary>
public sealed class SupervisorRestartFailureTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task A_failed_restart_is_logged_and_retried_with_backoff()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "starts /bin/true");
        using var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using var supervisor = new ProcessSupervisor(new ServerOptions(), 1, new WorkerCommandLine("/nonexistent/echo-server", []), factory.CreateLogger("test"));

        // The first two restarts fail; the third starts a process that exits at once (and so on, until stopped).
        var attempts = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new WorkerProcess(1, new WorkerCommandLine("/nonexistent/echo-server", []), port: 0, start: info =>
        {
            if (Interlocked.Increment(ref attempts) <= 2)
            {
                throw new Win32Exception(2, "No such file or directory");
            }

            info.FileName = "/bin/true";
            info.ArgumentList.Clear();
            var process = Process.Start(info);
            started.TrySetResult();
            return process;
        });

        // The slot's first incarnation died: the supervisor restarts it.
        var supervising = supervisor.SuperviseAsync(worker, Task.FromResult(1));
        await started.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        supervisor.RequestStop();
        worker.Stop();
        await supervising.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var failures = logs.Entries.Where(e => e.Message.Contains("could not be restarted", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, failures.Length);
        Assert.All(failures, e => Assert.Equal((LogLevel.Warning, (Exception?)null), (e.Level, e.Exception)));
        Assert.Contains("No such file or directory", failures[0].Message, StringComparison.Ordinal);

        // Backing off: 100 ms, 200 ms, then 400 ms before the attempt that worked.
        Assert.Contains("retrying in 0.2 s", failures[0].Message, StringComparison.Ordinal);
        Assert.Contains("retrying in 0.4 s", failures[1].Message, StringComparison.Ordinal);
    }
}
