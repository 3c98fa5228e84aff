using System.Net.Sockets;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopLifecycleTests
{
    [Fact]
    public async Task Half_close_gets_every_reply_then_the_connection_closes()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = await server.ConnectAsync();
        var payload = new byte[300_000];
        new Random(5).NextBytes(payload);

        var receive = client.ReceiveToEndAsync(payload.Length + 1);
        await client.SendAsync(payload);
        client.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal(payload, await receive);
        await RunningServer.EventuallyAsync(() => server.Metrics.Active == 0, "connection closed");
    }

    [Fact]
    public async Task Reset_mid_stream_closes_only_that_connection()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Length };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var other = await server.ConnectAsync();
        using (var resetter = await server.ConnectAsync())
        {
            // Half a frame, then RST.
            await resetter.SendAsync(new byte[] { 0, 0, 0x10, 0, 1, 2, 3 });
            resetter.Socket.LingerState = new LingerOption(true, 0);
        }

        await RunningServer.EventuallyAsync(() => server.Metrics.Active == 1, "the reset connection is closed");
        var frame = protocol.CreateSpanFramer().Encode("still here"u8);
        Assert.Equal(frame, await other.EchoAsync(frame, frame.Length));
    }

    [Fact]
    public async Task Over_max_connections_is_refused_with_an_error_line_and_others_are_served()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Line };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol, MaxConnections = 2 });
        using var a = await server.ConnectAsync();
        using var b = await server.ConnectAsync();
        Assert.Equal("a\n"u8.ToArray(), await a.EchoAsync("a\n"u8.ToArray(), 2));
        Assert.Equal("b\n"u8.ToArray(), await b.EchoAsync("b\n"u8.ToArray(), 2));

        using (var refused = await server.ConnectAsync())
        {
            var line = Encoding.UTF8.GetString(await refused.ReceiveToEndAsync());
            Assert.StartsWith("ERROR: server full: 2 connections already open", line, StringComparison.Ordinal);
            Assert.EndsWith("\n", line, StringComparison.Ordinal);
        }

        Assert.Equal(1, server.Metrics.Snapshot().Rejected);
        Assert.Equal("a2\n"u8.ToArray(), await a.EchoAsync("a2\n"u8.ToArray(), 3));

        b.Dispose();
        await RunningServer.EventuallyAsync(() => server.Metrics.Active == 1, "b closed");
        using var c = await server.ConnectAsync();
        Assert.Equal("c\n"u8.ToArray(), await c.EchoAsync("c\n"u8.ToArray(), 2));
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_the_idle_timeout()
    {
        var protocol = new ProtocolOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var client = await server.ConnectAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("x"u8.ToArray(), await client.EchoAsync("x"u8.ToArray(), 1));

        Assert.Empty(await client.ReceiveToEndAsync());
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        await RunningServer.EventuallyAsync(() => server.Metrics.Active == 0, "idle connection closed");
    }

    [Fact]
    public async Task Oversized_length_prefix_closes_that_connection_only()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Length, MaxFrame = 1024 };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var good = await server.ConnectAsync();
        using var bad = await server.ConnectAsync();

        await bad.SendAsync(new byte[] { 0, 0, 0x13, 0x88, 1, 2, 3 });

        Assert.Empty(await bad.ReceiveToEndAsync());
        Assert.Equal(1, server.Metrics.Snapshot().ProtocolErrors);
        var frame = protocol.CreateSpanFramer().Encode(new byte[1024]);
        Assert.Equal(frame, await good.EchoAsync(frame, frame.Length));
    }

    [Fact]
    public async Task Malformed_length_prefix_closes_that_connection()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Length };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var bad = await server.ConnectAsync();
        var framer = protocol.CreateSpanFramer();
        var ok = framer.Encode("ok"u8);

        // A good frame in the same write is still answered before the bad prefix closes the connection.
        await bad.SendAsync(ok.Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xF0 }).ToArray());

        Assert.Equal(ok, await bad.ReceiveToEndAsync());
        Assert.Equal(1, server.Metrics.Snapshot().ProtocolErrors);
    }

    [Fact]
    public async Task Line_too_long_gets_an_error_line_then_close()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Line, MaxFrame = 100 };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var bad = await server.ConnectAsync();

        // More than the server reads before it gives up, so unread input is left behind: the reply must still arrive.
        await bad.SendAsync(Encoding.ASCII.GetBytes("short\n" + new string('x', 200_000)));

        var reply = Encoding.UTF8.GetString(await bad.ReceiveToEndAsync());
        Assert.StartsWith("short\nERROR: line too long", reply, StringComparison.Ordinal);
        Assert.EndsWith("\n", reply, StringComparison.Ordinal);
    }
}
