using System.Net;
using System.Security.Cryptography;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Processes;

/// <summary>
/// <c>echo-server --processes N</c> out of process: the workers share one port, a killed worker costs only its own
/// connections and is restarted, SIGTERM drains every worker and the group exits 0.
/// </summary>
public sealed class SupervisorTests
{
    [Theory]
    [InlineData("eventloop")]
    [InlineData("async")]
    [InlineData("kestrel")]
    [InlineData("threads")]
    [InlineData("pool")]
    public async Task EveryWorkerTakesConnectionsOnTheOnePort(string model)
    {
        // --workers: the pool holds every connection open at once, as the others do.
        await using var server = await SupervisedServer.StartAsync(2, model, extra: ["--max-connections", "100", "--workers", "32"]);
        Assert.Contains(server.Lines, line => line.Contains("2 processes, --max-connections 100 per process", StringComparison.Ordinal));
        var workers = await server.WaitForWorkersAsync(pids => pids.Count == 2);

        var clients = await ConnectAsync(server.EndPoint, 24);
        try
        {
            foreach (var client in clients)
            {
                await EchoAsync(client);
            }

            // The kernel hashes each connection to one listener: 24 on one worker of two would be a 1 in 8 million chance.
            var owners = Owners(server, clients, workers);
            Assert.Equal(workers.Order(), owners.Values.Distinct().Order());
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Fact]
    public async Task KilledWorkerLosesOnlyItsConnectionsAndIsRestarted()
    {
        // A long first back-off leaves time to check the group while the killed worker is down.
        var environment = new Dictionary<string, string> { ["ECHO_SERVER_FIRST_RESTART_MS"] = "3000" };
        await using var server = await SupervisedServer.StartAsync(2, "eventloop", environment);
        var workers = await server.WaitForWorkersAsync(pids => pids.Count == 2);
        var clients = await ConnectAsync(server.EndPoint, 24);
        var fresh = new List<TestClient>();
        try
        {
            foreach (var client in clients)
            {
                await EchoAsync(client);
            }

            var owners = Owners(server, clients, workers);
            var victim = owners[Port(clients[0])];
            var survivor = workers.Single(pid => pid != victim);
            SupervisedServer.Signal(victim, "KILL");
            await server.WaitForLineAsync(line => line.Contains($"(pid {victim}) died with exit code 137 (killed by SIGKILL); restarting in 3.0 s", StringComparison.Ordinal));

            foreach (var client in clients)
            {
                if (owners[Port(client)] == victim)
                {
                    // The kernel closed the dead worker's sockets: these connections end, with nothing more echoed.
                    var (data, _) = await client.ReceiveToEndAsync();
                    Assert.Empty(data);
                }
                else
                {
                    await EchoAsync(client);
                }
            }

            // While the victim is down, every new connection goes to the survivor and is served.
            Assert.Equal([survivor], server.WorkerPids());
            fresh.AddRange(await ConnectAsync(server.EndPoint, 12));
            foreach (var client in fresh)
            {
                await EchoAsync(client);
            }

            Assert.All(Owners(server, fresh, [survivor]).Values, pid => Assert.Equal(survivor, pid));

            // Restarted: a new worker process, which takes new connections again.
            var restarted = (await server.WaitForWorkersAsync(pids => pids.Count == 2 && !pids.Contains(victim))).Single(pid => pid != survivor);
            var servedByRestarted = false;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!servedByRestarted && DateTime.UtcNow < deadline)
            {
                // The restarted worker takes connections once it listens (a new process: its start-up takes seconds on a
                // busy machine); until then they all hash to the survivor. So: until a deadline, not a count of tries.
                await using var client = await TestClient.ConnectAsync(server.EndPoint);
                await EchoAsync(client);
                servedByRestarted = Owners(server, [client], [restarted, survivor])[Port(client)] == restarted;
                if (!servedByRestarted)
                {
                    await Task.Delay(20, TestContext.Current.CancellationToken);
                }
            }

            Assert.True(servedByRestarted, "no connection reached the restarted worker");
        }
        finally
        {
            await DisposeAllAsync(clients);
            await DisposeAllAsync(fresh);
        }

        SupervisedServer.Signal(server.ProcessId, "TERM");
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task SigtermDrainsEveryWorkerAndTheGroupExitsZero()
    {
        await using var server = await SupervisedServer.StartAsync(2, "eventloop", extra: ["--drain-timeout", "20s"]);
        var workers = await server.WaitForWorkersAsync(pids => pids.Count == 2);
        var clients = await ConnectAsync(server.EndPoint, 24);
        try
        {
            foreach (var client in clients)
            {
                await EchoAsync(client);
            }

            Assert.Equal(workers.Order(), Owners(server, clients, workers).Values.Distinct().Order());
            SupervisedServer.Signal(server.ProcessId, "TERM");
            await server.WaitForLineAsync(line => line.StartsWith("[worker 1]", StringComparison.Ordinal) && line.Contains("SIGTERM: stopping", StringComparison.Ordinal));
            await server.WaitForLineAsync(line => line.StartsWith("[worker 2]", StringComparison.Ordinal) && line.Contains("SIGTERM: stopping", StringComparison.Ordinal));

            // Draining: both workers still echo on the connections they hold, and the group waits for them.
            foreach (var client in clients)
            {
                await EchoAsync(client);
            }

            Assert.Equal(workers.Order(), server.WorkerPids().Order());
            foreach (var client in clients)
            {
                client.ShutdownSend();
                var (data, reset) = await client.ReceiveToEndAsync();
                Assert.Empty(data);
                Assert.False(reset);
            }
        }
        finally
        {
            await DisposeAllAsync(clients);
        }

        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Empty(server.WorkerPids());
        Assert.Contains(server.Lines, line => line.EndsWith("INF stopped", StringComparison.Ordinal) && !line.StartsWith('['));
        Assert.Contains(server.Lines, line => line.Contains("stats: workers 0/2", StringComparison.Ordinal) && line.Contains("accepted 24,", StringComparison.Ordinal));
    }

    private static async Task<List<TestClient>> ConnectAsync(IPEndPoint endPoint, int count)
    {
        var clients = new List<TestClient>(count);
        for (var i = 0; i < count; i++)
        {
            clients.Add(await TestClient.ConnectAsync(endPoint));
        }

        return clients;
    }

    private static async Task EchoAsync(TestClient client)
    {
        var payload = RandomNumberGenerator.GetBytes(512);
        await client.SendAsync(payload);
        var echoed = await client.ReceiveExactlyAsync(payload.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    private static Dictionary<int, int> Owners(SupervisedServer server, IEnumerable<TestClient> clients, IEnumerable<int> workers)
    {
        var owners = SocketOwners.Find(server.EndPoint.Port, workers);
        return clients.ToDictionary(Port, client => owners.TryGetValue(Port(client), out var pid) ? pid : throw new InvalidOperationException($"no worker holds client port {Port(client)}"));
    }

    private static int Port(TestClient client) => ((IPEndPoint)client.Socket.LocalEndPoint!).Port;

    private static async Task DisposeAllAsync(IEnumerable<TestClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
