using System.Diagnostics;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Work;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>Simulated work (<c>--work</c>) costs what it says, per frame, first written for the event loop alone.</summary>
public abstract partial class EchoServerConformanceTests
{
    [Fact]
    public async Task Cpu_work_runs_once_per_frame()
    {
        var work = TimeSpan.FromMilliseconds(20);
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, Work = new WorkSpec(WorkKind.Cpu, work) }));
        await using var client = await server.ConnectAsync();
        var watch = Stopwatch.StartNew();

        // Three frames in one write: the work is per frame, not per read.
        await client.SendAsync("a\nb\nc\n");
        Assert.Equal("a", await client.ReadLineAsync(Timeout));
        Assert.Equal("b", await client.ReadLineAsync(Timeout));
        Assert.Equal("c", await client.ReadLineAsync(Timeout));
        Assert.True(watch.Elapsed >= (work * 3) - TimeSpan.FromMilliseconds(1), $"three frames of {work.TotalMilliseconds} ms work took {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Io_work_delays_each_reply_without_blocking_other_connections()
    {
        var work = TimeSpan.FromMilliseconds(500);
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Work = new WorkSpec(WorkKind.Io, work) }));
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        var watch = Stopwatch.StartNew();

        async Task<TimeSpan> EchoAsync(TestClient client, string message)
        {
            await client.SendAsync(message);
            Assert.Equal(message, System.Text.Encoding.ASCII.GetString(await client.ReceiveExactlyAsync(message.Length, Timeout)));
            return watch.Elapsed;
        }

        var replies = await Task.WhenAll(EchoAsync(a, "a"), EchoAsync(b, "b"));

        // Each reply waits for its work; a server that blocked on one connection's wait would answer the other a
        // whole unit later.
        Assert.All(replies, r => Assert.True(r >= work * 0.99, $"answered after {r.TotalMilliseconds:0} ms, before the work was done"));
        Assert.True((replies[0] - replies[1]).Duration() < work * 0.7, $"a after {replies[0].TotalMilliseconds:0} ms, b after {replies[1].TotalMilliseconds:0} ms");
    }
}
