using EchoServers.Load.Engine;
using EchoServers.Load.Reports;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Load.Engines;

/// <summary>
/// What every engine of <c>echo-load</c> must do, whichever way it moves bytes: one sealed subclass per engine runs
/// every case against the same deliberately right or wrong in-test servers (<see cref="LoopbackServer"/>), each run
/// bounded by a timeout. Every reply is checked byte for byte; a server that drops, reorders, stalls, corrupts or
/// starves must be caught the same way by each engine.
/// </summary>
public abstract class EngineCases
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(40);

    /// <summary>The engine's name in the result (<c>engine</c>).</summary>
    protected abstract string EngineName { get; }

    /// <summary>Starts <paramref name="behaviour"/>'s server and whatever the engine needs in front of it.</summary>
    protected abstract EngineTarget Start(ServerBehaviour behaviour, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo);

    /// <summary>The options that select the engine.</summary>
    protected abstract LoadOptions OnEngine(LoadOptions options);

    private Task<LoadResult> RunAsync(LoadOptions options) =>
        LoadRunner.RunAsync(OnEngine(options), NullProgressSink.Instance, TestContext.Current.CancellationToken)
            .WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

    /// <summary>
    /// Every connection open before the load starts (<c>--start together</c>): a first TLS handshake slowed by a busy
    /// machine must not leave the rest unopened when a one-second window closes.
    /// </summary>
    private static LoadOptions Options(EngineTarget target) => new()
    {
        Target = target.EndPoint,
        Start = StartMode.Together,
        Connections = 8,
        Pipeline = 2,
        Duration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(3),
        DrainTimeout = TimeSpan.FromSeconds(2),
        FirstReplyTimeout = TimeSpan.FromSeconds(1),
        Threads = 2,
    };

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Every_reply_of_a_correct_server_is_verified_byte_for_byte(FramingKind framing)
    {
        await using var target = Start(ServerBehaviour.Correct, framing);

        var result = await RunAsync(Options(target) with { Framing = framing, Sizes = new SizeSpec(16, 1500) });

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Valid, string.Join("; ", result.Warnings));
        Assert.Equal(new ConnectionCounts(8, 8, 0, 8), result.Connections);
        Assert.True(result.Messages > 50, $"only {result.Messages} messages");
        Assert.Equal(result.Messages, result.LatencyUs.Count);
        Assert.Equal(EngineName, result.Engine);
    }

    [Fact]
    public async Task A_server_that_drops_a_byte_is_caught()
    {
        await using var target = Start(ServerBehaviour.DropByte);

        // The --timeout of the options (3 s), not less: a reply held up longer by a busy machine would end its
        // connection as a timeout before the shifted stream is ever compared.
        var result = await RunAsync(Options(target));

        Assert.True(result.Errors.Mismatch > 0, $"{result.Errors}, {result.Messages} messages, {result.Connections}; {string.Join("; ", result.Warnings)}");
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task A_server_that_swaps_replies_is_counted_as_reordered_not_as_wrong()
    {
        await using var target = Start(ServerBehaviour.SwapPairs, FramingKind.Line);

        var result = await RunAsync(Options(target) with { Framing = FramingKind.Line, Pipeline = 4 });

        Assert.True(result.Errors.Reorder > 0, $"reorder {result.Errors.Reorder}");
        Assert.Equal(0, result.Errors.Mismatch);
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task A_stalled_server_is_counted_as_timeouts_measured_from_the_due_time()
    {
        await using var target = Start(ServerBehaviour.Stall);

        var result = await RunAsync(Options(target) with { Rate = 100, Connections = 2, Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.True(result.Errors.Timeout > 0, $"timeouts {result.Errors.Timeout}");
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task A_corrupt_reply_is_a_mismatch_and_never_a_measured_message()
    {
        await using var target = Start(ServerBehaviour.Upper);

        var result = await RunAsync(Options(target));

        Assert.True(result.Errors.Mismatch > 0, $"mismatch {result.Errors.Mismatch}");
        Assert.Equal(0, result.Messages);
        Assert.False(result.Valid);
    }

    [Fact]
    public async Task Churn_closes_each_connection_after_its_messages_and_opens_the_next()
    {
        await using var target = Start(ServerBehaviour.Correct, FramingKind.Line);

        var result = await RunAsync(Options(target) with
        {
            Connections = 4,
            Pipeline = 1,
            Framing = FramingKind.Line,
            MessagesPerConnection = 5,
            Start = StartMode.Together,
        });

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Connects > 8, $"only {result.Connects} connects");
        Assert.InRange(result.Messages, 1, 5 * result.Connects);
    }

    [Fact]
    public async Task The_open_model_sends_exactly_its_schedule_and_measures_from_the_due_time()
    {
        await using var target = Start(ServerBehaviour.Correct);

        var result = await RunAsync(Options(target) with { Rate = 200, Connections = 4 });

        Assert.Equal("open", result.Model);
        Assert.Equal(200, result.TargetRate);

        // Even spacing: exactly rate × duration messages are due in the window, and all are answered.
        Assert.Equal(200, result.Messages);
        Assert.Equal(0, result.Errors.Total);

        // Validity also needs 99 % written before the window closed; a test host busy with other tests can stall the
        // last milliseconds, so only a gross shortfall fails here.
        Assert.InRange(result.AchievedRate ?? 0, 150, 200);
        Assert.NotNull(result.SendLatenessUs);
        Assert.Equal(200, result.SendLatenessUs.Count);
        Assert.True(result.LatencyUs.P50 >= result.ServiceTimeUs.P50);
    }

    [Fact]
    public async Task Silent_connections_are_starved_and_every_first_reply_is_timed()
    {
        await using var target = Start(ServerBehaviour.AnswerHalf);

        var result = await RunAsync(Options(target));

        Assert.Equal(8, result.Connections.Established);
        Assert.Equal(4, result.Connections.Served);
        Assert.Equal(4, result.Starved);
        Assert.Equal(8, result.FirstReplyUs.Count);
        Assert.True(result.FirstReplyUs.Max >= 1_000_000, $"first reply max {result.FirstReplyUs.Max}us");
        Assert.False(result.Valid);
        Assert.InRange(result.Fairness.Jain, 0.125, 0.5);
    }

    [Fact]
    public async Task The_open_model_passes_a_full_connection_over_instead_of_overflowing()
    {
        // Half the connections never answer: their windows fill, and their turns go to the connections that do. One
        // I/O thread: each epoll loop sends its own share of the schedule, over its own connections only. A window of
        // 16: an answering connection would need 160 ms without a reply to fill it.
        await using var target = Start(ServerBehaviour.AnswerHalf);

        var result = await RunAsync(Options(target) with { Rate = 200, Connections = 4, MaxInFlight = 16, Threads = 1, Timeout = TimeSpan.FromSeconds(5) });

        Assert.Equal(0, result.Errors.Overflow);
        Assert.Equal(2, result.Connections.Served);
        Assert.True(result.Messages > 150, $"only {result.Messages} messages");
    }

    [Fact]
    public async Task With_immediate_start_a_message_due_while_connections_still_open_waits_instead_of_overflowing()
    {
        // Messages fall due from the first connection's open on; the few connections up first would be full within
        // milliseconds while the rest still connect (TLS: still shake hands). Such a message
        // waits for a connection with room, measured from its due time; only full connections after the connect
        // phase make overflow.
        await using var target = Start(ServerBehaviour.Correct);

        var result = await RunAsync(Options(target) with
        {
            Start = StartMode.Immediate,
            Rate = 2000,
            Connections = 100,
            Timeout = TimeSpan.FromSeconds(5),
        });

        Assert.Equal(0, result.Errors.Overflow);
        Assert.Equal(0, result.Errors.Total);
        Assert.Equal(100, result.Connections.Established);
    }

    [Fact]
    public async Task A_fair_server_gives_every_connection_its_share()
    {
        await using var target = Start(ServerBehaviour.Correct);

        var result = await RunAsync(Options(target));

        Assert.Equal(0, result.Errors.Total);
        Assert.Equal(0, result.Starved);
        Assert.Equal(8, result.FirstReplyUs.Count);
        Assert.True(result.Fairness.Jain > 0.9, $"jain {result.Fairness.Jain}");
    }
}
