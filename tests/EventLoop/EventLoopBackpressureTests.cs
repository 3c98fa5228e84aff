using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopBackpressureTests
{
    [Fact]
    public async Task Slow_reader_is_throttled_and_others_are_still_served()
    {
        await using var server = await RunningServer.StartAsync();
        using var slow = await server.ConnectAsync(receiveBufferSize: 64 * 1024);
        using var other = await server.ConnectAsync();
        slow.Socket.SendBufferSize = 64 * 1024;
        var chunk = new byte[64 * 1024];
        new Random(6).NextBytes(chunk);

        long sent = 0;
        const long Limit = 64L << 20;
        var stalled = false;
        while (sent < Limit)
        {
            // A send that cannot complete within a second means the server stopped reading this peer.
            var send = slow.Socket.SendAsync(chunk, SocketFlags.None);
            if (await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken)) != send)
            {
                stalled = true;
                break;
            }

            sent += await send;
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"sends stalled after {sent:N0} bytes");
        Assert.True(stalled, $"sent {sent} bytes without ever being throttled");
        Assert.True(sent < 32L << 20, $"{sent} bytes went in before sends stalled");

        var message = new byte[64];
        Assert.Equal(message, await other.EchoAsync(message, message.Length));
    }

    [Fact]
    public async Task Io_work_defers_replies_without_blocking_other_connections()
    {
        var protocol = new ProtocolOptions { Work = new WorkSpec(WorkKind.Io, TimeSpan.FromMilliseconds(300)) };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var a = await server.ConnectAsync();
        using var b = await server.ConnectAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // Both replies are due after one unit of work each; with a blocking wait on the loop the second would take two.
        var replyA = a.EchoAsync("a"u8.ToArray(), 1);
        var replyB = b.EchoAsync("b"u8.ToArray(), 1);
        await Task.WhenAll(replyA, replyB);

        Assert.Equal("a"u8.ToArray(), await replyA);
        Assert.Equal("b"u8.ToArray(), await replyB);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromMilliseconds(590));
    }
}
