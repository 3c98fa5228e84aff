using EchoServers.Load.Engine;
using EchoServers.Load.Reports;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Load;

/// <summary>Whole runs of the engine against in-test servers on 127.0.0.1:0, each bounded by a timeout.</summary>
public sealed class LoadRunIntegrationTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private static Task<LoadResult> RunAsync(LoadOptions options) =>
        LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

    private static LoadOptions Options(LoopbackServer server) => new()
    {
        Target = server.EndPoint,
        Connections = 8,
        Pipeline = 4,
        Duration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(2),
        DrainTimeout = TimeSpan.FromSeconds(2),
        Threads = 2,
    };

    [Fact]
    public async Task Two_seconds_of_closed_load_against_a_correct_server_has_zero_errors()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var result = await RunAsync(Options(server) with { Duration = TimeSpan.FromSeconds(2), Sizes = new SizeSpec(16, 512) });

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Valid, string.Join("; ", result.Warnings));
        Assert.Equal(new ConnectionCounts(8, 8, 0, 8), result.Connections);
        Assert.True(result.Messages > 100, $"only {result.Messages} messages");
        Assert.Equal(result.Messages, result.LatencyUs.Count);
        Assert.InRange(result.LatencyUs.P50, 1, result.LatencyUs.Max);
        Assert.Contains(result.PerSecond, s => s.Phase == "measure" && s.Messages > 0);
    }

    [Theory]
    [InlineData(FramingKind.Line, TransformKind.Echo)]
    [InlineData(FramingKind.Length, TransformKind.Echo)]
    [InlineData(FramingKind.Line, TransformKind.Upper)]
    public async Task Framed_and_uppercasing_servers_verify_when_expected(FramingKind framing, TransformKind transform)
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct, framing, transform);
        var result = await RunAsync(Options(server) with { Framing = framing, Expect = transform });
        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Messages > 50);
    }

    [Fact]
    public async Task Open_model_sends_the_target_rate_and_measures_from_the_due_time()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var result = await RunAsync(Options(server) with { Rate = 200, Connections = 4 });
        Assert.Equal("open", result.Model);
        Assert.Equal(200, result.TargetRate);
        Assert.Equal(200, result.Messages); // even spacing: exactly rate × duration, all answered
        Assert.Equal(0, result.Errors.Total);

        // Validity also needs 99 % of the messages written before the window closed; a test host busy with other
        // tests can stall the last few milliseconds, so only a gross shortfall fails here.
        Assert.InRange(result.AchievedRate ?? 0, 150, 200);
        Assert.NotNull(result.SendLatenessUs);
        Assert.True(result.LatencyUs.P50 >= result.ServiceTimeUs.P50);
    }

    [Fact]
    public async Task Ramping_constant_activates_connections_over_time()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var steps = new[] { new EchoServers.Load.Simulations.LoadStep(EchoServers.Load.Simulations.LoadStepKind.RampingConstant, 0, 6, TimeSpan.FromSeconds(1)) };
        var result = await RunAsync(Options(server) with { Steps = steps, Warmup = TimeSpan.Zero, Pipeline = 1 });
        Assert.Equal(6, result.Connections.Established);
        Assert.Equal(0, result.Errors.Total);
        Assert.InRange(result.Connections.Served, 3, 6); // the last ones become active only near the end
        Assert.True(result.Messages > 0);
    }

    [Fact]
    public async Task Upper_server_when_echo_is_expected_is_reported_as_mismatches()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Upper);
        var result = await RunAsync(Options(server));
        Assert.True(result.Errors.Mismatch > 0);
        Assert.Equal(0, result.Messages);
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Server_that_drops_a_byte_is_reported()
    {
        await using var server = new LoopbackServer(ServerBehaviour.DropByte);
        var result = await RunAsync(Options(server) with { Timeout = TimeSpan.FromMilliseconds(500) });
        Assert.True(result.Errors.Mismatch > 0, $"mismatch {result.Errors.Mismatch}");
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Server_that_swaps_replies_is_reported_as_reordered()
    {
        await using var server = new LoopbackServer(ServerBehaviour.SwapPairs);
        var result = await RunAsync(Options(server) with { Framing = FramingKind.Line, Pipeline = 4 });
        Assert.True(result.Errors.Reorder > 0);
        Assert.Equal(0, result.Errors.Mismatch);
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Stalled_server_is_reported_as_timeouts_with_latency_from_the_due_time()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Stall);
        var result = await RunAsync(Options(server) with { Rate = 100, Connections = 2, Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.Errors.Timeout > 0, $"timeouts {result.Errors.Timeout}");
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Open_model_that_cannot_send_its_rate_is_invalid_and_says_so()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Stall);
        var result = await RunAsync(Options(server) with { Rate = 1000, Connections = 2, MaxInFlight = 2, Timeout = TimeSpan.FromSeconds(5) });
        Assert.True(result.AchievedRate < 990, $"achieved {result.AchievedRate}");
        Assert.True(result.Errors.Overflow > 0);
        Assert.False(result.Valid);
        Assert.Contains(result.Warnings, w => w.Contains("under 99 %", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refused_connections_fail_setup_with_one_line()
    {
        var port = new LoopbackServer(ServerBehaviour.Correct);
        var endPoint = port.EndPoint;
        await port.DisposeAsync();
        var ex = await Assert.ThrowsAsync<LoadSetupException>(() => RunAsync(new LoadOptions { Target = endPoint, Connections = 3 }));
        Assert.Contains("could be established", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_loopback_target_is_refused()
    {
        var ex = await Assert.ThrowsAsync<LoadSetupException>(() =>
            RunAsync(new LoadOptions { Target = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.1"), 7) }));
        Assert.StartsWith("refusing to load 192.0.2.1", ex.Message, StringComparison.Ordinal);
    }
}
