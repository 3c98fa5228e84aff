using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>
/// The pool passes the shared suite with enough workers for its concurrency (a worker owns a connection, so the
/// default 5 could never serve 100 clients at once), plus the one behaviour only it has: the waiting queue.
/// </summary>
public sealed class PoolConformanceTests : EchoServerConformanceTests
{
    protected override ServerModel Model => ServerModel.Pool;

    protected override ServerOptions Configure(ServerOptions options) => options with { Workers = 110 };

    [Fact]
    public async Task Full_queue_refuses_at_once_with_a_reason_and_serves_the_waiting_later()
    {
        await using var server = await TestServers.StartAsync(ServerModel.Pool, o => o with
        {
            Workers = 1,
            Queue = 1,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
        });

        await using var served = await server.ConnectAsync();
        await served.SendAsync("first\n");
        Assert.Equal("first", await served.ReadLineAsync());

        // The only worker is busy: this one waits in the queue (its line is not answered yet).
        await using var waiting = await server.ConnectAsync();
        await waiting.SendAsync("second\n");

        await using (var refused = await server.ConnectAsync())
        {
            var reason = await refused.ReadLineAsync();
            Assert.NotNull(reason);
            Assert.StartsWith(ErrorLine.Prefix + "server busy", reason, StringComparison.Ordinal);
            Assert.Null(await refused.ReadLineAsync());
        }

        Assert.Equal(1, server.Metrics.Snapshot().Rejected);

        // The worker frees up and takes the waiting connection.
        await served.DisposeAsync();
        Assert.Equal("second", await waiting.ReadLineAsync());
    }

    [Fact]
    public async Task Default_pool_serves_exactly_five_at_once()
    {
        await using var server = await TestServers.StartAsync(ServerModel.Pool, o => o with { Protocol = o.Protocol with { Framing = FramingKind.Line } });
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => server.ConnectAsync()));
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await clients[i].SendAsync($"c{i}\n");
                Assert.Equal($"c{i}", await clients[i].ReadLineAsync());
            }

            Assert.True(await server.WaitForAsync(m => m.Active == 5));
            await clients[5].SendAsync("sixth\n");

            // The sixth waits (the notes' behaviour, but visible and bounded) until one of the five leaves.
            await clients[0].DisposeAsync();
            Assert.Equal("sixth", await clients[5].ReadLineAsync());
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
