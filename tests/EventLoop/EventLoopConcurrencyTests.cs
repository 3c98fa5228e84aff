using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopConcurrencyTests
{
    [Fact]
    public async Task Hundred_concurrent_clients_each_get_their_own_frames_back()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Length };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        var framer = protocol.CreateSpanFramer();

        async Task RunClient(int id)
        {
            using var client = await server.ConnectAsync();
            var random = new Random(id);
            using var request = new MemoryStream();
            for (var i = 0; i < 20; i++)
            {
                var payload = new byte[random.Next(0, 4096)];
                random.NextBytes(payload);
                request.Write(framer.Encode(payload));
            }

            var bytes = request.ToArray();
            var receive = client.ReceiveExactlyAsync(bytes.Length);
            await client.SendSplitAsync(bytes, random, maxChunk: 3000);
            Assert.Equal(bytes, await receive);
        }

        await Task.WhenAll(Enumerable.Range(0, 100).Select(RunClient));
        Assert.Equal(2000, server.Metrics.Snapshot().Messages);
    }

    [Fact]
    public async Task A_port_in_use_fails_start_with_a_socket_exception()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        using var metrics = new EchoMetrics();
        await using var server = new EventLoopEchoServer(new ServerOptions { Port = port }, metrics, NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<SocketException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }
}
