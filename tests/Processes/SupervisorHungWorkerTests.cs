using System.Diagnostics;
using System.Security.Cryptography;
using EchoServers.Servers.Hosting.Processes;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Processes;

/// <summary>
/// A worker that hangs (here stopped with SIGSTOP: alive, holding its <c>SO_REUSEPORT</c> listener, writing nothing)
/// is killed and restarted by the supervisor within the silence limit, with one log line; until then the kernel hands
/// it a share of the new connections, which get no answer. Before, a hung worker was never restarted.
/// </summary>
public sealed class SupervisorHungWorkerTests
{
    [Fact]
    public async Task A_worker_that_writes_no_report_is_killed_and_restarted_and_the_group_serves_on()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SIGSTOP and /proc");
        await using var server = await SupervisedServer.StartAsync(2, "eventloop");
        var workers = await server.WaitForWorkersAsync(pids => pids.Count == 2);
        var victim = workers.Min();
        var survivor = workers.Max();

        var stopped = Stopwatch.GetTimestamp();
        SupervisedServer.Signal(victim, "STOP");
        var line = await server.WaitForLineAsync(l => l.Contains($"(pid {victim}) hung", StringComparison.Ordinal));
        var elapsed = Stopwatch.GetElapsedTime(stopped);
        Assert.Contains($"hung: no report for {HungWorkers.After.TotalSeconds:0.#} s; killed, restarting in", line, StringComparison.Ordinal);

        // Killed no sooner than the limit after its last report (at most a second before the stop), and not much later.
        Assert.True(elapsed >= HungWorkers.After - TimeSpan.FromSeconds(1.1), $"killed after only {elapsed.TotalSeconds:0.0} s");
        Assert.True(elapsed <= HungWorkers.After + TimeSpan.FromSeconds(10), $"killed only after {elapsed.TotalSeconds:0.0} s");

        // A new process in the slot; the one line above is the only one about the victim's end.
        var restarted = (await server.WaitForWorkersAsync(pids => pids.Count == 2 && !pids.Contains(victim))).Single(pid => pid != survivor);
        Assert.Single(server.Lines, l => l.Contains($"(pid {victim})", StringComparison.Ordinal));

        // The group serves every new connection: none hashes to a dead listener (the killed one left the group).
        for (var i = 0; i < 32; i++)
        {
            await using var client = await TestClient.ConnectAsync(server.EndPoint);
            await EchoAsync(client);
        }

        Assert.Equal(new[] { restarted, survivor }.Order(), server.WorkerPids().Order());
        SupervisedServer.Signal(server.ProcessId, "TERM");
        var code = await server.WaitForExitAsync();
        Assert.True(code == 0, $"the group exited with {code}:{Environment.NewLine}{string.Join(Environment.NewLine, server.Lines)}");
    }

    private static async Task EchoAsync(TestClient client)
    {
        var payload = RandomNumberGenerator.GetBytes(4096);
        await client.SendAsync(payload);
        var echoed = await client.ReceiveExactlyAsync(payload.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }
}
