using System.Text.Json;
using EchoServers.Load.Assertions;
using EchoServers.Load.Engine;
using EchoServers.Load.Reports;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load;

/// <summary>
/// Connection churn (<c>--messages-per-connection</c>, <c>--connection-lifetime</c>, <c>--reconnect</c>): whole runs
/// against in-test servers on 127.0.0.1:0, each bounded by a timeout, checking the connect accounting.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ChurnTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private static Task<LoadResult> RunAsync(LoadOptions options) =>
        LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

    private static LoadOptions Options(LoopbackServer server, int connections) => new()
    {
        Target = server.EndPoint,
        Connections = connections,
        Duration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(3),
        DrainTimeout = TimeSpan.FromSeconds(1),
        Threads = 2,
        Start = StartMode.Together,
    };

    [Fact]
    public async Task A_server_refusing_every_second_connection_gives_matching_refused_and_reconnect_counts()
    {
        await using var server = new LoopbackServer(ServerBehaviour.RefuseEveryOther);
        var result = await RunAsync(Options(server, 4) with { Reconnect = true });

        // Every refusal the server made was seen as one (its ERROR: line, not a mismatch or an eof), and every refused
        // connection was reopened once: the slots converge on served connections well inside the second.
        Assert.True(server.Refused >= 2, $"server refused {server.Refused}");
        Assert.Equal(server.Refused, result.ConnectFailures.Refused);
        Assert.Equal(server.Refused, result.ConnectFailures.Total);
        Assert.Equal(server.Refused, result.Reconnects);
        Assert.Equal(server.Accepted, result.Connects);
        Assert.Equal(4 + result.Reconnects, result.Connects);
        Assert.Equal(server.Refused, result.Errors.Connect);
        Assert.Equal(server.Refused, result.Errors.Total);
        Assert.Equal(0, result.Errors.Mismatch);
        Assert.Equal(0, result.Errors.Eof);
        Assert.Equal(4, result.Connections.Served);
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Without_reconnect_a_refused_connection_stays_closed_and_is_counted_once_per_refusal()
    {
        await using var server = new LoopbackServer(ServerBehaviour.RefuseEveryOther);
        var result = await RunAsync(Options(server, 4) with { MessagesPerConnection = 1 });

        // Each slot churns until the server refuses it, then stays closed: every slot ends refused, none reopened.
        Assert.True(server.Refused >= 4, $"server refused {server.Refused}");
        Assert.Equal(server.Refused, result.ConnectFailures.Refused);
        Assert.Equal(server.Refused, result.Errors.Connect);
        Assert.Equal(0, result.Reconnects);
        Assert.Equal(server.Accepted, result.Connects);
        Assert.Equal(0, result.Errors.Mismatch);
    }

    [Fact]
    public async Task The_back_off_grows_against_a_server_that_accepts_and_then_refuses()
    {
        await using var server = new LoopbackServer(ServerBehaviour.RefuseAll);
        var result = await RunAsync(Options(server, 2) with { Reconnect = true });

        // Each refusal follows a completed handshake, so only a correct reply may reset the back-off: 10, 20, 40 …
        // 640 ms gives at most 8 tries per slot in 1.2 s; a back-off reset by the handshake would retry every 10 ms.
        Assert.Equal(server.Refused, result.ConnectFailures.Refused);
        Assert.InRange(result.ConnectFailures.Refused, 2 * 4, 2 * 9);
        Assert.Equal(0, result.Connections.Served);
    }

    [Fact]
    public async Task One_message_per_connection_against_a_correct_server_makes_one_connect_per_verified_reply()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var options = Options(server, 8) with { MessagesPerConnection = 1 };
        var result = await RunAsync(options);

        Assert.True(result.Valid, string.Join("; ", result.Warnings));
        Assert.Equal(0, result.Errors.Total);
        Assert.Equal(0, result.ConnectFailures.Total);
        Assert.True(result.Messages > 100, $"messages {result.Messages}");

        // Each connection carries exactly one message: the connects made in the measured window and its replies can
        // differ only by the connections straddling its edges.
        var measuredConnects = Math.Round(result.ConnectsPerSecond * result.DurationSeconds);
        Assert.InRange(result.Messages, measuredConnects - 8, measuredConnects + 8);
        Assert.True(result.Connects >= result.Messages);
        Assert.Equal(result.Connects, result.ConnectUs.Count);
        Assert.Contains(result.Warnings, w => w.StartsWith("churn: net.ipv4.tcp_tw_reuse", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Messages_per_connection_and_lifetime_close_connections_without_errors()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var hundred = await RunAsync(Options(server, 4) with { MessagesPerConnection = 100, Pipeline = 4 });
        Assert.Equal(0, hundred.Errors.Total);
        Assert.True(hundred.Connects > 4, $"connects {hundred.Connects}");

        // Every measured connection carried 100 messages: replies ÷ connects is 100 give or take the edges.
        var perConnect = hundred.Messages / Math.Max(1, hundred.ConnectsPerSecond * hundred.DurationSeconds);
        Assert.InRange(perConnect, 80, 125);

        var lifetime = await RunAsync(Options(server, 4) with { ConnectionLifetime = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(0, lifetime.Errors.Total);

        // 4 connections living 100 ms each over 1.2 s: about 48 connects, at least half of them.
        Assert.InRange(lifetime.Connects, 24, 60);
    }

    [Fact]
    public async Task Churn_is_refused_with_the_open_model_and_the_json_and_assertions_know_the_counts()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var target = server.EndPoint.ToString();
        Assert.Equal(2, await EchoServers.Load.Program.Main(["run", "--target", target, "--rate", "100", "--messages-per-connection", "1", "--quiet"])
            .WaitAsync(RunTimeout, TestContext.Current.CancellationToken));

        var directory = Directory.CreateTempSubdirectory("echo-load-churn").FullName;
        try
        {
            var json = Path.Combine(directory, "r.json");
            var exit = await EchoServers.Load.Program.Main(["run", "--target", target, "-c", "4", "-d", "1s", "--warmup", "0s", "--quiet",
                "--messages-per-connection", "1", "--json", json, "--assert", "connects_per_second>1", "--assert", "connect.p99<5s", "--assert", "refused==0"])
                .WaitAsync(RunTimeout, TestContext.Current.CancellationToken);
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            var root = document.RootElement;
            Assert.True(root.GetProperty("connectsPerSecond").GetDouble() > 1);
            Assert.True(root.GetProperty("connects").GetInt64() > 4);
            Assert.Equal(1, root.GetProperty("messagesPerConnection").GetInt32());
            Assert.True(exit == 0, File.ReadAllText(json));
            foreach (var key in new[] { "total", "refused", "reset", "timeout", "outOfPorts", "other" })
            {
                Assert.Equal(0, root.GetProperty("connectFailures").GetProperty(key).GetInt64());
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        Assert.True(AssertionParser.TryParse("connects_per_second>1000", out var rate, out _));
        Assert.Equal("connects_per_second", rate.Metric);
        Assert.True(AssertionParser.TryParse("connect.p99<5ms", out var p99, out _));
        Assert.Equal(5000, p99.Threshold);
    }
}
