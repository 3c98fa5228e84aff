using System.Text.Json;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load;

/// <summary>The command line end to end, in process: exit codes, assertions, output files.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class RunCommandTests
{
    private static Task<int> MainAsync(params string[] args) =>
        EchoServers.Load.Program.Main(args).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Failed_assertion_exits_1_and_passing_ones_exit_0()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var target = server.EndPoint.ToString();
        var common = new[] { "run", "--target", target, "-c", "2", "-d", "300ms", "--warmup", "0s", "--quiet" };

        Assert.Equal(0, await MainAsync([.. common, "--assert", "errors==0", "--assert", "rate>0"]));
        Assert.Equal(1, await MainAsync([.. common, "--assert", "p99<1ns"]));
    }

    [Fact]
    public async Task Wrong_server_fails_errors_assertion()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Upper);
        Assert.Equal(1, await MainAsync("run", "--target", server.EndPoint.ToString(), "-c", "2", "-d", "300ms", "--warmup", "0s", "--quiet", "--assert", "errors==0"));
    }

    [Fact]
    public async Task Writes_json_with_the_documented_keys_and_csv_hdr_and_report()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var directory = Directory.CreateTempSubdirectory("echo-load-test").FullName;
        try
        {
            var json = Path.Combine(directory, "r.json");
            var exit = await MainAsync("run", "--target", server.EndPoint.ToString(), "-c", "2", "-d", "1s", "--warmup", "0s", "--quiet",
                "--json", json, "--csv", Path.Combine(directory, "r.csv"), "--hdr", Path.Combine(directory, "r.hlog"), "--report", Path.Combine(directory, "report"));
            Assert.Equal(0, exit);

            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            var root = document.RootElement;
            foreach (var key in new[] { "requested", "established", "failed", "served" })
            {
                Assert.True(root.GetProperty("connections").TryGetProperty(key, out _), key);
            }

            foreach (var key in new[] { "p50", "p90", "p99", "p999", "p9999", "max", "mean" })
            {
                Assert.True(root.GetProperty("latencyUs").TryGetProperty(key, out _), key);
            }

            foreach (var key in new[] { "total", "mismatch", "reset", "eof", "timeout" })
            {
                Assert.Equal(0, root.GetProperty("errors").GetProperty(key).GetInt64());
            }

            Assert.True(root.GetProperty("messages").GetInt64() > 0);
            Assert.True(root.GetProperty("messagesPerSecond").GetDouble() > 0);
            Assert.True(root.GetProperty("bytesPerSecond").GetDouble() > 0);
            Assert.True(root.GetProperty("valid").GetBoolean());

            var csv = await File.ReadAllLinesAsync(Path.Combine(directory, "r.csv"), TestContext.Current.CancellationToken);
            Assert.StartsWith("second,phase,messages", csv[0], StringComparison.Ordinal);
            Assert.True(csv.Length >= 2);
            Assert.True(new FileInfo(Path.Combine(directory, "r.hlog")).Length > 0);
            var html = await File.ReadAllTextAsync(Path.Combine(directory, "report", "report.html"), TestContext.Current.CancellationToken);
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(directory, "report", "report.md")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("run", "--target", "10.1.2.3:7", "-d", "1s")]
    [InlineData("run", "--target", "127.0.0.1:7", "-d", "ten")]
    [InlineData("run", "--target", "127.0.0.1:7", "--assert", "p99<<2ms")]
    [InlineData("run", "--target", "127.0.0.1:7", "--no-such-option")]
    [InlineData("run", "--target", "nowhere")]
    [InlineData("run", "--target", "127.0.0.1:7", "--load", "keep-constant 5")]
    public async Task Bad_input_exits_2(params string[] args) => Assert.Equal(2, await MainAsync(args));
}
