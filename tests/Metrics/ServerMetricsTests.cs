using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Metrics;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Processes;

namespace EchoServers.Tests.Metrics;

/// <summary>
/// <c>echo-server --metrics-port</c> and <c>--otlp-endpoint</c> out of process: the scrape holds the EchoServers
/// instruments with the server's own counts and the runtime's and process's instruments; OTLP/HTTP reaches a collector.
/// </summary>
public sealed class ServerMetricsTests
{
    [Fact]
    public async Task ScrapeHoldsTheServersCountsAndTheRuntimeAndProcessInstruments()
    {
        await using var server = await SupervisedServer.StartAsync(1, "async", extra: ["--framing", "line", "--metrics-port", "0"]);
        var url = await MetricsUrlAsync(server);
        await using (var client = await TestClient.ConnectAsync(server.EndPoint))
        {
            for (var i = 0; i < 7; i++)
            {
                await client.SendAsync($"message {i}\n");
                Assert.Equal($"message {i}", await client.ReadLineAsync());
            }
        }

        var scrape = await Scrape.GetAsync(url);
        Assert.Equal(7, scrape.Sum("echo_messages_total"));
        Assert.Equal(1, scrape.Sum("echo_connections_accepted_total"));
        Assert.Contains(scrape.Samples, s => s.Name == "echo_bytes_in_bytes_total" && s.Value == 7 * "message 0\n".Length);
        Assert.Contains(scrape.Samples, s => s.Name == "dotnet_gc_heap_total_allocated_bytes_total");
        Assert.Contains(scrape.Samples, s => s.Name == "process_cpu_time_seconds_total");
    }

    [Fact]
    public async Task MetricsPortInUseIsAOneLineErrorAndExitCodeOne()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "echo-server.dll"), "--port", "0", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"echo-server: cannot serve metrics on 127.0.0.1:{port}: address already in use", (await stderr).Trim());
    }

    [Fact]
    public async Task OtlpExportReachesTheCollectorWithTheEchoInstruments()
    {
        await using var collector = OtlpReceiver.Start();
        await using var server = await SupervisedServer.StartAsync(1, "async", extra: ["--framing", "line", "--otlp-endpoint", $"http://{collector.EndPoint}"]);
        await using (var client = await TestClient.ConnectAsync(server.EndPoint))
        {
            await client.SendAsync("otlp\n");
            Assert.Equal("otlp", await client.ReadLineAsync());
        }

        // Stopping flushes a last export: no wait for the 10 s period.
        SupervisedServer.Signal(server.ProcessId, "TERM");
        Assert.Equal(0, await server.WaitForExitAsync());
        var request = await collector.FirstRequest.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("POST /v1/metrics", request.Line);
        Assert.Contains("application/x-protobuf", request.ContentType, StringComparison.Ordinal);

        // Protobuf keeps strings as they are: the meter's and the instrument's names are in the body.
        var body = Encoding.UTF8.GetString(request.Body);
        Assert.Contains(EchoMetrics.MeterName, body, StringComparison.Ordinal);
        Assert.Contains("echo.messages", body, StringComparison.Ordinal);
        Assert.Contains("echo-server", body, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupInstrumentsAreExactlyTheServersInstruments()
    {
        var created = new List<(string Name, string? Unit, string? Description)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == EchoMetrics.MeterName)
                {
                    created.Add((instrument.Name, instrument.Unit, instrument.Description));
                }
            },
        };
        listener.Start();
        using (new EchoMetrics())
        {
            // Every instrument is published as the meter makes it.
        }

        Assert.Equal(
            created.Distinct().OrderBy(i => i.Name),
            EchoInstruments.All.Select(i => (i.Name, (string?)i.Unit, (string?)i.Description)).OrderBy(i => i.Name));
    }

    internal static async Task<Uri> MetricsUrlAsync(SupervisedServer server)
    {
        var line = await server.WaitForLineAsync(l => l.Contains("metrics on http://", StringComparison.Ordinal));
        var start = line.IndexOf("http://", StringComparison.Ordinal);
        return new Uri(line[start..line.IndexOf(' ', start)]);
    }
}
