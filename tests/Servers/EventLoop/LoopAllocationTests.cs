using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.EventLoop;

/// <summary>The loop thread echoes in place: once warm, serving a connection allocates nothing on it.</summary>
public sealed class LoopAllocationTests
{
    [Fact]
    public async Task Steady_state_echo_allocates_nothing_on_the_loop_thread()
    {
        await using var server = await TestServers.StartAsync(ServerModel.EventLoop);
        var loop = ((EventLoopEchoServer)server.Server).Loops[0];
        loop.TrackAllocations = true;
        await using var client = await server.ConnectAsync();
        var message = Payloads.Random(64, seed: 4);

        async Task EchoAsync(int times)
        {
            for (var i = 0; i < times; i++)
            {
                await client.SendAsync(message);
                await client.ReceiveExactlyAsync(message.Length);
            }
        }

        await EchoAsync(2_000);
        var before = loop.AllocatedBytes;
        await EchoAsync(5_000);

        var allocated = loop.AllocatedBytes - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"loop thread: {before} bytes allocated at warm-up, {allocated} more over 5,000 echoes");
        Assert.True(before > 0, "the allocation sampler never ran");
        Assert.True(allocated < 1024, $"the loop allocated {allocated} bytes over 5,000 echoes");
    }
}
