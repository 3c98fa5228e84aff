using System.Diagnostics;
using System.Net.Sockets;
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

    [Fact]
    public async Task A_burst_of_due_messages_over_every_connection_takes_no_buffer_per_connection()
    {
        // After a pause of the process (a GC, the machine taking the core) every message due meanwhile goes at once,
        // round robin over the connections: 1,000 messages over 200 connections here. Writing them must not lend
        // each connection a buffer (4 KiB each: 240 MB at 60,000 connections, gen0 collections in the window).
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        const int connections = 200;
        var options = new LoadOptions
        {
            Target = server.EndPoint,
            Start = StartMode.Together,
            Connections = connections,
            Rate = 1_000_000,
            Duration = TimeSpan.FromSeconds(30),
            Warmup = TimeSpan.Zero,
        };
        var profile = options.BuildProfile();
        var run = new RunContext(options, profile, Stopwatch.GetTimestamp());
        var loop = new IoLoop(run, index: 0, count: 1, capacity: connections);
        var sockets = new List<Socket>();
        long allocated, sent;
        try
        {
            for (var i = 0; i < connections; i++)
            {
                var socket = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken).AsTask().WaitAsync(RunTimeout, TestContext.Current.CancellationToken);
                loop.Add(new LoadConnection(i, (int)socket.Handle, window: 64, run.CarrySize) { EstablishedTs = Stopwatch.GetTimestamp() });
            }

            loop.UseSchedule(new RateSchedule(profile, options.Arrival, options.Seed));

            // The first messages (1 µs apart at this rate) warm the path: JIT, statics.
            loop.Pacer.SendDue(run.LoadStartTs + RunContext.SecondsToTicks(3e-6));
            sent = loop.Counters.Sent;
            var before = GC.GetAllocatedBytesForCurrentThread();
            loop.Pacer.SendDue(run.LoadStartTs + RunContext.SecondsToTicks(1e-3));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            // The sockets own their descriptors: the loop must not close them too.
            foreach (var connection in loop.Connections)
            {
                connection.Fd = -1;
            }

            loop.Dispose();
            sockets.ForEach(s => s.Dispose());
        }

        var burst = loop.Counters.Sent - sent;
        Assert.InRange(burst, 990, 1000);
        Assert.Equal(0, loop.Counters.Overflow + loop.Counters.Reset);
        Assert.True(allocated <= 1024, $"{allocated} B allocated writing a burst of {burst} messages over {connections} connections");
    }
}
