using System.Text.Json;
using EchoServers.Tests.Infrastructure;

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

            // 4 s per step (warm-up included): 5 % over capacity queues 5 % × 4 s = 200 ms of replies by the end, past
            // the objective, while the stalls of a busy shared machine (tens of ms) stay under it below capacity.
            var exit = await MainAsync(TimeSpan.FromMinutes(3), "sweep", "--target", server.EndPoint.ToString(), "-c", "4", "--threads", "1",
                "--objective", "p99<150ms", "--start-rate", "500", "--step-duration", "3s", "--warmup", "1s", "--drain-timeout", "3s",
                "--quiet", "--json", json, "--report", Path.Combine(directory, "report"));

            Assert.Equal(0, exit);
            var text = await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken);
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var found = root.GetProperty("capacity").GetDouble();

            // The whole sweep in the message: a failure on a busy machine then says which step went wrong and why.
            Assert.True(found >= capacity * 0.9 && found <= capacity * 1.1, $"capacity {found}, expected {capacity} ± 10 %: {text}");

            // Ended by the server's queue; on a machine so busy that the generator's sends were late near the
            // capacity, the sweep says so (Generator) instead — either way not by --max-rate or the step budget.
            Assert.True(root.GetProperty("limit").GetString() is "Server" or "Generator", text);
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
