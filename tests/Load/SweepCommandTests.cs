using System.Text.Json;

namespace EchoServers.Tests.Load;

/// <summary><c>echo-load sweep</c> end to end, in process, against a server of known capacity.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SweepCommandTests
{
    private static Task<int> MainAsync(TimeSpan timeout, params string[] args) =>
        EchoServers.Load.Program.Main(args).WaitAsync(timeout, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Finds_a_known_capacity_within_10_percent_and_writes_json_and_the_report()
    {
        // 2,000 msgs/s of 64 B through one token bucket (see PacedEchoServer for why not --work cpu:100us here).
        const double capacity = 2000;
        await using var server = new PacedEchoServer(capacity, 64);
        var directory = Directory.CreateTempSubdirectory("echo-load-sweep").FullName;
        try
        {
            var json = Path.Combine(directory, "sweep.json");

            // 2.5 s per step (warm-up included): 2 % over capacity queues ~100 messages = 50 ms by the end, well past
            // the objective, while timer jitter under capacity stays far below it.
            var exit = await MainAsync(TimeSpan.FromMinutes(3), "sweep", "--target", server.EndPoint.ToString(), "-c", "4", "--threads", "1",
                "--objective", "p99<30ms", "--start-rate", "500", "--step-duration", "2s", "--warmup", "500ms", "--drain-timeout", "3s",
                "--quiet", "--json", json, "--report", Path.Combine(directory, "report"));

            Assert.Equal(0, exit);
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            var root = document.RootElement;
            Assert.Equal("Server", root.GetProperty("limit").GetString());
            Assert.False(root.GetProperty("capacityIsLowerBound").GetBoolean());
            Assert.InRange(root.GetProperty("capacity").GetDouble(), capacity * 0.9, capacity * 1.1);
            var steps = root.GetProperty("steps").EnumerateArray().ToArray();
            Assert.Contains(steps, s => s.GetProperty("phase").GetString() == "bisect");
            foreach (var step in steps)
            {
                foreach (var key in new[] { "targetRate", "achievedRate", "p50Us", "p99Us", "p999Us", "errors", "generatorCpuPercentOfCore", "passed" })
                {
                    Assert.True(step.TryGetProperty(key, out _), key);
                }
            }

            var html = await File.ReadAllTextAsync(Path.Combine(directory, "report", "sweep.html"), TestContext.Current.CancellationToken);
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.Contains("<polyline", html, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(directory, "report", "sweep.md")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("--objective", "p99<1x")]
    [InlineData("--objective", "p99<1ms", "--precision", "150%")]
    [InlineData("--objective", "p99<1ms", "--start-rate", "0")]
    [InlineData("--objective", "p99<1ms", "--start-rate", "5000", "--max-rate", "100")]
    [InlineData("--objective", "p99<1ms", "--step-duration", "0s")]
    [InlineData("--objective", "p99<1ms", "--step-factor", "1")]
    public async Task Bad_input_exits_2(params string[] args)
    {
        Assert.Equal(2, await MainAsync(TimeSpan.FromSeconds(30), ["sweep", "--target", "127.0.0.1:9", "--quiet", .. args]));
    }
}
