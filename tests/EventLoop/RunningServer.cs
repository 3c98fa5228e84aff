using System.Net.Sockets;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.EventLoop;

/// <summary>An <see cref="EventLoopEchoServer"/> started on port 0, with its metrics; disposing stops it with no drain.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private RunningServer(EventLoopEchoServer server, EchoMetrics metrics)
    {
        Server = server;
        Metrics = metrics;
    }

    public EventLoopEchoServer Server { get; }

    public EchoMetrics Metrics { get; }

    public static async Task<RunningServer> StartAsync(ServerOptions? options = null)
    {
        options = (options ?? new ServerOptions()) with { Port = 0, Model = ServerModel.EventLoop };
        var metrics = new EchoMetrics();
        var server = new EventLoopEchoServer(options, metrics, NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource(Timeout);
        await server.StartAsync(cts.Token);
        return new RunningServer(server, metrics);
    }

    public async Task<TestClient> ConnectAsync(int receiveBufferSize = 0)
    {
        var socket = new Socket(Server.LocalEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize > 0)
        {
            socket.ReceiveBufferSize = receiveBufferSize;
        }

        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(Server.LocalEndPoint, cts.Token);
        return new TestClient(socket);
    }

    /// <summary>Polls a condition the server reaches on its own thread (metrics), with a deadline.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
        Metrics.Dispose();
    }
}
