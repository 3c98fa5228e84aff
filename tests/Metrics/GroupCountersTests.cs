using System.Diagnostics;
using System.Net.Sockets;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Processes;

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
        using (var stalled = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, SendBufferSize = 4096 })
        {
            await stalled.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await SendWithoutReadingAsync(stalled, stop.Token);
            Assert.False(stop.IsCancellationRequested, "the peer that never reads was not aborted within 30 s");
        }

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

    /// <summary>Sends until the server aborts the connection or <paramref name="cancellationToken"/> fires; bounded to 256 MiB.</summary>
    private static async Task SendWithoutReadingAsync(Socket socket, CancellationToken cancellationToken)
    {
        var chunk = Payloads.Random(64 * 1024, seed: 1688);
        try
        {
            for (var sent = 0L; sent < 256L * 1024 * 1024; sent += chunk.Length)
            {
                await socket.SendAsync(chunk, SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted by the server (what the test waits for), or out of time.
        }
    }
}
