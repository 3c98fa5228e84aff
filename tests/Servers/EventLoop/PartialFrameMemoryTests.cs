using System.Text;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.EventLoop;

/// <summary>A frame that never completes costs what it holds, not a max-frame buffer.</summary>
public sealed class PartialFrameMemoryTests
{
    private const int Clients = 500;

    [Fact]
    public async Task Five_hundred_partial_lines_at_a_16_MiB_max_frame_cost_kilobytes_and_the_server_still_serves()
    {
        await using var server = await TestServers.StartAsync(ServerModel.EventLoop, o => o with
        {
            Protocol = o.Protocol with { Framing = FramingKind.Line, MaxFrame = 16 * 1024 * 1024 },
            MaxConnections = Clients + 10,
        });
        var loop = ((EventLoopEchoServer)server.Server).Loops[0];
        loop.TrackAllocations = true;
        var timeout = TimeSpan.FromSeconds(30);

        // Warm up the allocation sampler and the loop's own tables with one full round trip.
        await using (var warm = await server.ConnectAsync())
        {
            await warm.SendAsync("warm\n");
            Assert.Equal("warm", await warm.ReadLineAsync());
        }

        var before = loop.AllocatedBytes;
        var clients = new List<TestClient>(Clients);
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var client = await server.ConnectAsync();
                clients.Add(client);
                await client.SendAsync(Encoding.ASCII.GetBytes([(char)('a' + (i % 26))]));
            }

            // Every partial byte has been read once every connection holds it in a buffer of its own.
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (loop.BufferedCount < Clients && Environment.TickCount64 < deadline)
            {
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }

            Assert.Equal(Clients, loop.BufferedCount);
            var allocated = loop.AllocatedBytes - before;
            TestContext.Current.TestOutputHelper?.WriteLine($"{allocated} bytes allocated on the loop thread for {Clients} partial frames ({allocated / Clients} each)");
            Assert.True(allocated < Clients * 24L * 1024, $"{allocated} bytes allocated for {Clients} one-byte partial frames");

            // The server still serves: a new client, and every held frame completed.
            await using (var fresh = await server.ConnectAsync())
            {
                await fresh.SendAsync("fresh\n");
                Assert.Equal("fresh", await fresh.ReadLineAsync(timeout));
            }

            for (var i = 0; i < Clients; i++)
            {
                await clients[i].SendAsync("bc\n");
            }

            for (var i = 0; i < Clients; i++)
            {
                Assert.Equal($"{(char)('a' + (i % 26))}bc", await clients[i].ReadLineAsync(timeout));
            }

            var snapshot = server.Metrics.Snapshot();
            Assert.Equal(0, snapshot.Failures);
            Assert.Equal(0, snapshot.Resets);
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
