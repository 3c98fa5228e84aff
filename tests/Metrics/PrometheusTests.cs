using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Processes;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// A real Prometheus scrapes echo-server and echo-load through a 10-second run: the server's message counter and
/// echo-load's answered messages, as Prometheus stored them, agree with echo-load's own report within 1 %, and every
/// panel of dashboards/echoservers.json gets data back from Prometheus.
/// </summary>
public sealed class PrometheusTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PrometheusSeesWhatTheRunReportsAndEveryDashboardPanelHasData()
    {
        var binary = PrometheusServer.Binary();
        if (binary is null)
        {
            // CI installs it (scripts/setup.sh); elsewhere the test says why it did not run.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "prometheus is not installed: scripts/setup.sh installs it");
            Assert.Skip("prometheus is not installed (scripts/setup.sh installs it)");
        }

        var cancel = TestContext.Current.CancellationToken;
        await using var server = await SupervisedServer.StartAsync(1, "async", extra: ["--framing", "line", "--metrics-port", "0", "--max-connections", "4", "--max-frame", "1KiB"]);
        var serverMetrics = await ServerMetricsTests.MetricsUrlAsync(server);
        await ProvokeRefusalAndProtocolErrorAsync(server);

        var json = Path.Combine(Path.GetTempPath(), $"echoservers-prometheus-{Guid.NewGuid():N}.json");
        await using var load = await LoadProcess.StartAsync(["run", "-t", server.EndPoint.ToString(), "--framing", "line", "--rate", "2000", "-c", "4", "-d", "10s", "--warmup", "0s", "--metrics-port", "0", "--quiet", "--json", json]);
        var jobs = new Dictionary<string, Uri> { ["echo-server"] = serverMetrics, ["echo-load"] = load.MetricsUrl };
        await using var prometheus = await PrometheusServer.StartAsync(binary, jobs, Timeout);
        var start = DateTimeOffset.UtcNow;

        // echo-load waits for one scrape after its run, so Prometheus holds its final totals.
        Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancel));
        File.Delete(json);
        var reported = report.RootElement.GetProperty("messages").GetInt64();
        Assert.True(reported > 10_000, $"the run reported only {reported} messages");

        // The server is idle now: wait until Prometheus has scraped its final count.
        var final = (await Scrape.GetAsync(serverMetrics)).Sum("echo_messages_total");
        var serverSeen = await WaitForValueAsync(prometheus, "max_over_time(echo_messages_total[5m])", v => v == final);
        var loadSeen = await WaitForValueAsync(prometheus, "max_over_time(echoload_messages_answered_total[5m])", v => v > 0);
        Assert.True(Math.Abs(serverSeen - reported) <= reported * 0.01, $"Prometheus has {serverSeen} messages echoed by the server; echo-load reported {reported}");
        Assert.True(Math.Abs(loadSeen - reported) <= reported * 0.01, $"Prometheus has {loadSeen} messages answered for echo-load; echo-load reported {reported}");

        await EveryPanelHasDataAsync(prometheus, start.AddSeconds(-15), DateTimeOffset.UtcNow);
    }

    /// <summary>One refused connection (five against --max-connections 4) and one protocol error (a line over --max-frame): the refusal and error panels then have a series to show.</summary>
    private static async Task ProvokeRefusalAndProtocolErrorAsync(SupervisedServer server)
    {
        var held = new List<TestClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                held.Add(await TestClient.ConnectAsync(server.EndPoint));
                await held[^1].SendAsync($"held {i}\n");
                Assert.Equal($"held {i}", await held[^1].ReadLineAsync());
            }

            await using (var refused = await TestClient.ConnectAsync(server.EndPoint))
            {
                await refused.ReceiveToEndAsync();
            }

            await held[0].SendAsync(new string('x', 2048));
            await held[0].ReceiveToEndAsync();
        }
        finally
        {
            foreach (var client in held)
            {
                await client.DisposeAsync();
            }
        }

        await server.WaitForLineAsync(line => line.Contains("rejected 1,", StringComparison.Ordinal) && line.Contains("protocol errors 1,", StringComparison.Ordinal) && line.Contains("active 0,", StringComparison.Ordinal));
    }

    private static async Task EveryPanelHasDataAsync(PrometheusServer prometheus, DateTimeOffset start, DateTimeOffset end)
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "dashboards", "echoservers.json"), TestContext.Current.CancellationToken));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToArray();
        Assert.NotEmpty(panels);
        var empty = new List<string>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            var points = 0;
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                // Grafana's own variable, as it would expand it for a 1 s scrape interval.
                var expr = target.GetProperty("expr").GetString()!.Replace("$__rate_interval", "5s", StringComparison.Ordinal);

                // An invalid query fails here (Prometheus answers 400), whatever the panel's other queries return.
                points += (await prometheus.QueryRangeAsync(expr, start, end, TimeSpan.FromSeconds(1))).Points;
            }

            if (points == 0)
            {
                empty.Add(title);
            }
        }

        Assert.True(empty.Count == 0, $"panels without data: {string.Join(", ", empty)}");
    }

    private static async Task<double> WaitForValueAsync(PrometheusServer prometheus, string promql, Func<double, bool> done)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var samples = await prometheus.QueryAsync(promql);
            if (samples.Count == 1 && done(samples[0].Value))
            {
                return samples[0].Value;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"{promql} gave [{string.Join(", ", samples.Select(s => s.Value.ToString(CultureInfo.InvariantCulture)))}] for {Timeout.TotalSeconds:0} s{Environment.NewLine}{prometheus.Output}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EchoServers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no EchoServers.sln above {AppContext.BaseDirectory}");
    }
}
