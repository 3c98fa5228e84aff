using System.Diagnostics;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Processes;
using EchoServers.Tests.Reliability.HostileClients;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// What the workers of <c>--processes N</c> report reaches the group: a send timeout in a worker shows in the group's
/// stats line and its <c>echo_connections_send_timeouts_total</c>, and each worker's CPU time is a series of its own
/// (the supervisor's <c>process_cpu_time</c> is only its own). Before, the group's stats line had no send timeouts and
/// the workers' CPU was nowhere.
/// </summary>
public sealed class GroupCountersTests
{
    [Fact]
    public async Task A_send_timeout_in_a_worker_is_counted_by_the_group_and_each_workers_cpu_is_exported()
    {
        await using var server = await SupervisedServer.StartAsync(2, "async", extra: ["--send-timeout", "1s", "--metrics-port", "0"]);
        var url = await ServerMetricsTests.MetricsUrlAsync(server);

        // A peer that sends without ever reading: the worker's replies back up, and after 1 s it is aborted.
        var outcome = await SlowClients.SlowReaderAsync(server.EndPoint, Payloads.Random(4096, seed: 1688), stallAfter: TimeSpan.FromSeconds(20), maxBytes: 256L * 1024 * 1024, TestContext.Current.CancellationToken);
        Assert.True(outcome.ClosedByServer, $"the peer that never reads was not aborted: {outcome}");

        await server.WaitForLineAsync(l => l.Contains("stats: workers 2/2", StringComparison.Ordinal) && l.Contains("active 0,", StringComparison.Ordinal) && l.Contains("send timeouts 1,", StringComparison.Ordinal));

        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        Scrape scrape;
        while ((scrape = await Scrape.GetAsync(url)).Sum("echo_connections_send_timeouts_total") != 1 || scrape.Of("echo_worker_cpu_time_seconds_total").Count() != 2)
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"the group's scrape did not show the send timeout and the workers' CPU within 30 s:{Environment.NewLine}{scrape.Text}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, scrape.Sum("echo_worker_connections_send_timeouts_total"));

        // Each worker has used some CPU: a runtime starting takes a good fraction of a second.
        Assert.All(scrape.Of("echo_worker_cpu_time_seconds_total"), s => Assert.True(s.Value > 0.01, $"worker {s.Labels}: {s.Value} s of CPU"));
    }
}
