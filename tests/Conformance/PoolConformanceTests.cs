using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>
/// The pool passes the shared suite (which gives it enough workers for its crowds), plus the one behaviour only
/// it has: five workers by default, and the waiting queue.
/// </summary>
public sealed class PoolConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.Pool;

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
    public async Task Five_workers_leave_the_sixth_client_unanswered_until_one_of_the_five_leaves()
    {
        await using var server = await TestServers.StartAsync(ServerModel.Pool, o => o with
        {
            Workers = 5,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
        });
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => server.ConnectAsync()));
        try
        {
            // A reply proves a worker owns that connection: after five replies all five workers are taken.
            for (var i = 0; i < 5; i++)
            {
                await clients[i].SendAsync($"c{i}\n");
                Assert.Equal($"c{i}", await clients[i].ReadLineAsync());
            }

            Assert.True(await server.WaitForAsync(m => m.Active == 5), "five connections should be served");
            await clients[5].SendAsync("sixth\n");

            // The negative: no reply within 300 ms. This waits for nothing to happen, it does not sleep for something
            // to happen: the state it checks was established by the five replies above, not by time passing. A pool
            // that served a sixth connection would answer on loopback in well under a millisecond (as it did five
            // times above), so the window only bounds the observation; a slower machine makes it no more flaky.
            Assert.True(await clients[5].StaysSilentForAsync(TimeSpan.FromMilliseconds(300)), "the sixth client was answered while five workers were busy");
            Assert.Equal(5, server.Metrics.Snapshot().Active);
            Assert.Equal(0, server.Metrics.Snapshot().Rejected);

            // The busy ones are still served meanwhile.
            await clients[1].SendAsync("again\n");
            Assert.Equal("again", await clients[1].ReadLineAsync());

            // One of the five leaves: its worker takes the sixth, whose line was waiting in its socket all along.
            await clients[0].DisposeAsync();
            Assert.Equal("sixth", await clients[5].ReadLineAsync(TestClient.DefaultTimeout));
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
