using System.Text.Json;
using EchoServers.Load.Assertions;
using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Tests.Load;

/// <summary>
/// Time to first reply, starved connections and fairness: the arithmetic, and whole runs against in-test servers on
/// 127.0.0.1:0 (a fair one, and one that answers only every other connection), each bounded by a timeout.
/// </summary>
public sealed class FirstReplyAndFairnessTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private static Task<LoadResult> RunAsync(LoadOptions options) =>
        LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

    private static LoadOptions Options(LoopbackServer server) => new()
    {
        Target = server.EndPoint,
        Connections = 8,
        Pipeline = 2,
        Duration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(3),
        DrainTimeout = TimeSpan.FromSeconds(1),
        FirstReplyTimeout = TimeSpan.FromSeconds(1),
        Threads = 2,
    };

    [Fact]
    public void Jain_index_is_one_when_even_and_k_over_n_when_k_connections_get_everything()
    {
        Assert.Equal(new FairnessSummary(1, 1, 1, 1, Connections: 4, Replies: 20, SquaredReplies: 100), FairnessSummary.Of([5, 5, 5, 5]));
        var half = FairnessSummary.Of([0, 10, 0, 10]);
        Assert.Equal(0.5, half.Jain);
        Assert.Equal(0, half.MinShare);
        Assert.Equal(1, half.MedianShare);
        Assert.Equal(2, half.MaxShare);
        Assert.Equal(0.25, FairnessSummary.Of([0, 0, 0, 7]).Jain);
        Assert.Equal(FairnessSummary.None with { Connections = 2 }, FairnessSummary.Of([0, 0]));
        Assert.Equal(FairnessSummary.None, FairnessSummary.Of([]));
    }

    [Theory]
    [InlineData(StartMode.Immediate)]
    [InlineData(StartMode.Together)]
    public async Task A_fair_server_gives_an_index_near_one_and_none_starved(StartMode start)
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var result = await RunAsync(Options(server) with { Start = start });

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Valid, string.Join("; ", result.Warnings));
        Assert.Equal(0, result.Starved);
        Assert.Equal(0, result.Errors.Starved);
        Assert.True(result.Fairness.Jain > 0.9, $"jain {result.Fairness.Jain}");
        Assert.True(result.Fairness.MinShare > 0.5, $"min share {result.Fairness.MinShare}");
        Assert.Equal(8, result.FirstReplyUs.Count);
        Assert.Equal(8, result.ConnectUs.Count);
        Assert.InRange(result.FirstReplyUs.Max, 1, 1_000_000);
        Assert.Equal(start == StartMode.Together ? "together" : "immediate", result.Start);
    }

    [Fact]
    public async Task A_server_that_answers_only_some_connections_gives_a_low_index_and_starved_connections()
    {
        await using var server = new LoopbackServer(ServerBehaviour.AnswerHalf);
        var result = await RunAsync(Options(server));

        Assert.Equal(8, result.Connections.Established);
        Assert.Equal(4, result.Connections.Served);
        Assert.Equal(4, result.Starved);
        Assert.Equal(4, result.Errors.Starved);
        Assert.True(result.Errors.Total >= 4);
        Assert.False(result.Valid);
        // 4 of 8 connections got everything: the index is at most 4/8 (exactly that when the 4 shared evenly, less
        // when a busy machine served them unevenly), never near 1 as it would be if the starved were left out.
        Assert.InRange(result.Fairness.Jain, 0.125, 0.5);
        Assert.Equal(0, result.Fairness.MinShare);

        // The starved enter the first-reply histogram with the time they waited: the tail cannot look fine.
        Assert.Equal(8, result.FirstReplyUs.Count);
        Assert.True(result.FirstReplyUs.Max >= 1_000_000, $"first reply max {result.FirstReplyUs.Max}us");
        Assert.Contains(result.Warnings, w => w.Contains("starved", StringComparison.Ordinal));

        Assert.True(AssertionParser.TryParse("starved==0", out var starved, out _));
        Assert.False(starved.Holds(result, out _));
        Assert.True(AssertionParser.TryParse("fairness>0.9", out var fairness, out _));
        Assert.False(fairness.Holds(result, out _));
    }

    [Fact]
    public async Task Connections_talk_while_others_are_still_connecting_and_the_window_does_not_wait_for_them()
    {
        // At 4 connects per second, 8 connections need 1.75 s; the 1 s window starts with the first connect, so it
        // is over before the last ones are attempted. With immediate start the early ones were measured meanwhile,
        // and the ones never attempted are said so, not counted as failures of the server.
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var result = await RunAsync(Options(server) with { ConnectRate = 4, Warmup = TimeSpan.Zero, FirstReplyTimeout = TimeSpan.FromSeconds(5) });

        Assert.Equal(8, result.Connections.Requested);
        Assert.Equal(0, result.Connections.Failed);
        Assert.InRange(result.Connections.Established, 2, 6);
        Assert.True(result.Messages > 0, "nothing measured while connecting");
        Assert.True(result.Connections.Served >= 2, $"served {result.Connections.Served}");
        Assert.Equal(0, result.Errors.Total);
        Assert.Contains(result.Warnings, w => w.Contains("not attempted", StringComparison.Ordinal));
        Assert.Equal(result.Connections.Established, result.ConnectUs.Count);
    }

    [Fact]
    public void Json_has_the_new_keys()
    {
        var result = AssertionParserTests.Result(p99: 100, errors: 0, rate: 1) with
        {
            FirstReplyUs = new LatencySummary(10, 20, 30, 40, 50, 60, 20, 8),
            ConnectUs = new LatencySummary(1, 2, 3, 4, 5, 6, 2, 8),
            Starved = 2,
            Fairness = new FairnessSummary(0.5, 0, 1, 2),
            Errors = new ErrorCounts(2, 0, 0, 0, 0, 0, 0, 0, 0, Starved: 2),
        };
        using var document = JsonDocument.Parse(JsonReport.Serialize(result));
        var root = document.RootElement;
        foreach (var key in new[] { "p50", "p99", "max" })
        {
            Assert.True(root.GetProperty("firstReplyUs").TryGetProperty(key, out _), key);
            Assert.True(root.GetProperty("connectUs").TryGetProperty(key, out _), key);
        }

        Assert.Equal(30, root.GetProperty("firstReplyUs").GetProperty("p99").GetInt64());
        Assert.Equal(2, root.GetProperty("starved").GetInt64());
        Assert.Equal(2, root.GetProperty("errors").GetProperty("starved").GetInt64());
        var fairness = root.GetProperty("fairness");
        Assert.Equal(0.5, fairness.GetProperty("jain").GetDouble());
        Assert.Equal(0, fairness.GetProperty("minShare").GetDouble());
        Assert.Equal(1, fairness.GetProperty("medianShare").GetDouble());
        Assert.Equal(2, fairness.GetProperty("maxShare").GetDouble());
        Assert.Equal("immediate", root.GetProperty("start").GetString());
    }
}
