using System.Diagnostics;
using System.Security.Cryptography;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Processes;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// <c>echo-server --processes 4 --metrics-port</c>: one target for the group, whose sums match the group's stats
/// line and its per-worker series; a killed worker's counts stay in the sum, so no counter goes backwards.
/// </summary>
public sealed class GroupMetricsTests
{
    private const int Clients = 24;
    private const int Payload = 512;

    [Fact]
    public async Task OneTargetSumsTheWorkersAndAKilledWorkerDoesNotTakeItsCountsAway()
    {
        // A long first back-off: the scrape is watched while the killed worker is down, then after its restart.
        var environment = new Dictionary<string, string> { ["ECHO_SERVER_FIRST_RESTART_MS"] = "2000" };
        await using var server = await SupervisedServer.StartAsync(4, "eventloop", environment, "--metrics-port", "0");
        var url = await ServerMetricsTests.MetricsUrlAsync(server);
        var workers = await server.WaitForWorkersAsync(pids => pids.Count == 4);
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                clients.Add(await TestClient.ConnectAsync(server.EndPoint));
                await EchoAsync(clients[^1]);
            }

            // Workers report their totals every second: wait until the group's target has all of them.
            var scrape = await ScrapeUntilAsync(url, s => s.Sum("echo_connections_accepted_total") == Clients && s.Sum("echo_bytes_in_bytes_total") == Clients * Payload);
            Assert.Equal(4, scrape.Of("echo_worker_connections_accepted_total").Count());
            Assert.Equal(scrape.Sum("echo_connections_accepted_total"), scrape.Sum("echo_worker_connections_accepted_total"));
            Assert.Equal(scrape.Sum("echo_bytes_in_bytes_total"), scrape.Sum("echo_worker_bytes_in_bytes_total"));
            Assert.Equal(Clients, scrape.Sum("echo_connections_active"));
            Assert.Equal(4, scrape.Sum("echo_workers_running"));

            // The group's stats line reads the same totals.
            await server.WaitForLineAsync(line => line.Contains("stats: workers 4/4", StringComparison.Ordinal) && line.Contains($"accepted {Clients},", StringComparison.Ordinal));

            var victim = workers.First();
            var before = scrape;
            SupervisedServer.Signal(victim, "KILL");
            await server.WaitForLineAsync(line => line.Contains($"(pid {victim}) died", StringComparison.Ordinal));

            // Down, then restarted: every scrape on the way keeps the accepted and byte totals.
            var restarted = false;
            var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (!restarted)
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, "the killed worker was not restarted within 30 s");
                var now = await Scrape.GetAsync(url);
                foreach (var counter in (string[])["echo_connections_accepted_total", "echo_bytes_in_bytes_total", "echo_bytes_out_bytes_total", "echo_messages_total"])
                {
                    Assert.True(now.Sum(counter) >= before.Sum(counter), $"{counter} went from {before.Sum(counter)} back to {now.Sum(counter)}");
                }

                before = now;
                restarted = now.Sum("echo_workers_restarts_total") == 1 && now.Sum("echo_workers_running") == 4;
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.Equal(Clients, before.Sum("echo_connections_accepted_total"));
            Assert.Equal(Clients * Payload, before.Sum("echo_bytes_in_bytes_total"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<Scrape> ScrapeUntilAsync(Uri url, Func<Scrape, bool> done)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (true)
        {
            var scrape = await Scrape.GetAsync(url);
            if (done(scrape))
            {
                return scrape;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the scrape did not reach the expected totals within 30 s:{Environment.NewLine}{scrape.Text}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task EchoAsync(TestClient client)
    {
        var payload = RandomNumberGenerator.GetBytes(Payload);
        await client.SendAsync(payload);
        var echoed = await client.ReceiveExactlyAsync(payload.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }
}
