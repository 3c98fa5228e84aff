using EchoServers.Load.Engine;

namespace EchoServers.Tests.Load;

/// <summary>
/// The epoll engine allocates nothing per message and nothing per established connection once the load runs: each
/// I/O thread's own allocation (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, free of the in-test server and
/// the sampler) over a count of replies after the warm-up, whatever the connection count and the model. One object
/// per message (24 B at least) would show as ≥ 24 B per message; the bound leaves room for a few one-off buffers.
/// </summary>
public sealed class SteadyStateAllocationTests
{
    private const double MaxBytesPerMessage = 1.0;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(40);

    [Theory]
    [InlineData(8, 0)]
    [InlineData(1000, 0)]
    [InlineData(500, 4000)]
    public async Task The_io_threads_allocate_nothing_per_message_in_the_steady_state(int connections, double rate)
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        const long replies = 8_000;
        var options = new LoadOptions
        {
            Target = server.EndPoint,
            Start = StartMode.Together,
            Connections = connections,
            Rate = rate > 0 ? rate : null,
            Pipeline = 4,
            Duration = TimeSpan.FromSeconds(rate > 0 ? 4 : 2),
            Warmup = TimeSpan.FromMilliseconds(500),
            Timeout = TimeSpan.FromSeconds(10),
            DrainTimeout = TimeSpan.FromSeconds(5),
            FirstReplyTimeout = TimeSpan.FromSeconds(10),
            Threads = 1,
            AllocationWindowReplies = replies,
        };

        var result = await LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken)
            .WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Messages >= replies, $"only {result.Messages} messages: the window of {replies} replies was not filled");
        var perMessage = result.Generator.IoThreadAllocatedBytesPerMessage;
        Assert.NotNull(perMessage);
        Assert.True(perMessage <= MaxBytesPerMessage, $"{perMessage} B allocated per message by the I/O thread ({result.Generator.IoThreadAllocatedBytes} B over the run)");
    }
}
