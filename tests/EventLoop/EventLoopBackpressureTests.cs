using System.Net.Sockets;

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

        // The stall is the server's doing: it holds replies for this peer and stopped reading it.
        await RunningServer.EventuallyAsync(() => server.Server.Loops[0].BackpressuredCount == 1, "backpressure on the slow reader");
        var message = new byte[64];
        Assert.Equal(message, await other.EchoAsync(message, message.Length));
    }
}
