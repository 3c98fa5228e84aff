using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopStopTests
{
    [Fact]
    public async Task Stop_waits_for_open_connections_within_the_drain_timeout()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = await server.ConnectAsync();
        Assert.Equal("1"u8.ToArray(), await client.EchoAsync("1"u8.ToArray(), 1));

        var stop = server.Server.StopAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // Still served while draining.
        Assert.Equal("2"u8.ToArray(), await client.EchoAsync("2"u8.ToArray(), 1));
        Assert.False(stop.IsCompleted);

        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync());
        await stop.WaitAsync(RunningServer.Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Metrics.Active);
    }

    [Fact]
    public async Task Stop_closes_connections_left_after_the_drain_timeout()
    {
        await using var server = await RunningServer.StartAsync();
        using var a = await server.ConnectAsync();
        using var b = await server.ConnectAsync();
        Assert.Equal("a"u8.ToArray(), await a.EchoAsync("a"u8.ToArray(), 1));
        Assert.Equal("b"u8.ToArray(), await b.EchoAsync("b"u8.ToArray(), 1));

        await server.Server.StopAsync(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken).WaitAsync(RunningServer.Timeout, TestContext.Current.CancellationToken);

        // A graceful close: FIN, not a reset.
        Assert.Empty(await a.ReceiveToEndAsync());
        Assert.Empty(await b.ReceiveToEndAsync());
        Assert.Equal(0, server.Metrics.Active);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () => (await server.ConnectAsync()).Dispose());
    }

    [Fact]
    public async Task Stop_with_zero_drain_ends_even_when_a_peer_never_takes_its_replies()
    {
        await using var server = await RunningServer.StartAsync();
        using var slow = await server.ConnectAsync(receiveBufferSize: 16 * 1024);
        var chunk = new byte[256 * 1024];

        // Fill every buffer between us and the server until a send stalls: the server then holds replies it cannot
        // send. (The stalled send is left pending; cancelling it would abort our socket.)
        Task<int>? pending = null;
        for (var i = 0; i < 256; i++)
        {
            pending = slow.Socket.SendAsync(chunk, System.Net.Sockets.SocketFlags.None);
            if (await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken)) != pending)
            {
                break;
            }
        }

        Assert.False(pending!.IsCompleted, "sends never stalled");
        await RunningServer.EventuallyAsync(() => server.Server.Loops[0].BackpressuredCount == 1, "the server holds replies it cannot send");

        // The replies owed get one last send (and, if the socket cannot take them, a grace second), then the
        // connection is closed or reset: stop must not wait for a reader that never comes.
        await server.Server.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Metrics.Active);
    }

    [Fact]
    public async Task Stop_before_start_and_twice_is_harmless()
    {
        await using var metrics = new EchoMetricsScope();
        var server = new EchoServers.Servers.EventLoop.EventLoopEchoServer(new ServerOptions { Port = 0 }, metrics.Metrics, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await server.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken).WaitAsync(RunningServer.Timeout, TestContext.Current.CancellationToken);
        await server.DisposeAsync();
        Assert.Throws<InvalidOperationException>(() => server.LocalEndPoint);
    }

    private sealed class EchoMetricsScope : IAsyncDisposable
    {
        public EchoMetrics Metrics { get; } = new();

        public ValueTask DisposeAsync()
        {
            Metrics.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
