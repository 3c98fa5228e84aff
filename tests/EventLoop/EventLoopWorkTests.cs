using System.Diagnostics;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopWorkTests
{
    [Fact]
    public async Task Cpu_work_runs_inline_once_per_frame()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Line, Work = new WorkSpec(WorkKind.Cpu, TimeSpan.FromMilliseconds(20)) };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var client = await server.ConnectAsync();
        var watch = Stopwatch.StartNew();

        var reply = await client.EchoAsync("a\nb\nc\n"u8.ToArray(), 6);

        Assert.Equal("a\nb\nc\n"u8.ToArray(), reply);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(59), $"three frames of 20 ms work took {watch.Elapsed}");
    }

    [Fact]
    public async Task Io_work_defers_replies_without_blocking_other_connections()
    {
        var work = TimeSpan.FromSeconds(1);
        var protocol = new ProtocolOptions { Work = new WorkSpec(WorkKind.Io, work) };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var a = await server.ConnectAsync();
        using var b = await server.ConnectAsync();
        var watch = Stopwatch.StartNew();

        async Task<TimeSpan> Echo(TestClient client, byte[] message)
        {
            Assert.Equal(message, await client.EchoAsync(message, message.Length));
            return watch.Elapsed;
        }

        var replyA = Echo(a, "a"u8.ToArray());
        var replyB = Echo(b, "b"u8.ToArray());
        await Task.WhenAll(replyA, replyB);

        // Each reply waits for its work; a loop that slept instead would answer the second a whole unit later.
        Assert.True(await replyA >= work * 0.99, $"a answered after {await replyA}");
        Assert.True(await replyB >= work * 0.99, $"b answered after {await replyB}");
        Assert.True((await replyA - await replyB).Duration() < work * 0.7, $"a after {await replyA}, b after {await replyB}");
    }
}
