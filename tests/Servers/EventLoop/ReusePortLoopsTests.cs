using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.EventLoop;

/// <summary><c>--loops N</c>: N event loops, each with its own SO_REUSEPORT listener on the one port.</summary>
public sealed class ReusePortLoopsTests
{
    [Fact]
    public async Task Two_loops_share_the_port_and_both_serve()
    {
        await using var server = await TestServers.StartAsync(ServerModel.EventLoop, o => o with { Loops = 2 });
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 32; i++)
            {
                clients.Add(await server.ConnectAsync());
            }

            foreach (var (client, i) in clients.Select((c, i) => (c, i)))
            {
                var message = Payloads.Random(64, seed: i);
                await client.SendAsync(message);
                Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
            }

            var accepted = ((EventLoopEchoServer)server.Server).Loops.Select(l => l.AcceptedCount).ToArray();
            Assert.Equal(32, accepted.Sum());

            // SO_REUSEPORT hashes connections over the listeners; 32 landing on one of two is a 2^-31 chance.
            Assert.All(accepted, count => Assert.True(count > 0, $"a loop accepted nothing: {string.Join(", ", accepted)}"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
