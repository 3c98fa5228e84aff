using System.Net.Sockets;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.Conformance;

/// <summary>Stopping, beyond the graceful case: first written for the event loop alone, now asked of every model.</summary>
public abstract partial class EchoServerConformanceTests
{
    [Fact]
    public async Task Open_connections_are_still_served_while_draining_and_stop_ends_when_they_close()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();
        await client.SendAsync("1");
        Assert.Equal("1"u8.ToArray(), await client.ReceiveExactlyAsync(1, Timeout));
        Assert.True(await server.WaitForAsync(m => m.Active == 1), "the connection should be served");

        var stopping = server.Server.StopAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        // Still served while draining, and the drain waits for this connection.
        await client.SendAsync("2");
        Assert.Equal("2"u8.ToArray(), await client.ReceiveExactlyAsync(1, Timeout));
        Assert.False(stopping.IsCompleted, "stop ended with a connection still open, long before its drain timeout");

        client.ShutdownSend();
        var (rest, reset) = await client.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);
        Assert.False(reset, "a drained connection should end with a FIN");
        await stopping.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Metrics.Snapshot().Active);
    }

    [Fact]
    public async Task Stop_with_zero_drain_ends_even_when_a_peer_never_takes_its_replies()
    {
        await using var server = await StartAsync();
        await using var hog = await server.ConnectAsync(s => s.ReceiveBufferSize = 16 * 1024);
        var chunk = Payloads.Random(256 * 1024, seed: 11);

        // Fill every buffer between us and the server until a send stalls: the server then holds replies it cannot
        // send. The stalled send is left pending (cancelling it is not needed: disposing the client ends it).
        Task<int>? pending = null;
        for (var i = 0; i < 256; i++)
        {
            pending = hog.Socket.SendAsync(chunk, SocketFlags.None);
            if (await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken)) != pending)
            {
                break;
            }
        }

        Assert.False(pending!.IsCompleted, "sends never stalled: the server kept reading from a peer that never reads");

        // The replies owed get one last chance, then the connection is closed or reset: stop must not wait for a
        // reader that never comes.
        await server.Server.StopAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Metrics.Snapshot().Active);
    }

    [Fact]
    public async Task Stop_before_start_then_dispose_is_harmless()
    {
        using var metrics = new EchoMetrics();
        var server = ServerFactory.Create(ForSuite(Variant.Apply(TestServers.Defaults(Model))), metrics, NullLoggerFactory.Instance);
        await server.StopAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await server.DisposeAsync().AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Throws<InvalidOperationException>(() => server.LocalEndPoint);
    }
}
