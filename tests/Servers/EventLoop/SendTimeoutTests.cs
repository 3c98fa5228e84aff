using System.Diagnostics;
using System.Net.Sockets;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.EventLoop;

/// <summary><c>--send-timeout</c> on the event loop: a peer that takes none of its replies is reset and counted; one that takes them is not.</summary>
public sealed class SendTimeoutTests
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_peer_that_never_reads_is_aborted_within_the_send_timeout_and_counted()
    {
        await using var server = await TestServers.StartAsync(ServerModel.EventLoop, o => o with { SendTimeout = SendTimeout });
        var loop = ((EventLoopEchoServer)server.Server).Loops[0];
        await using var client = await server.ConnectAsync(s => s.ReceiveBufferSize = 4096);

        // Send until the server stops reading us: its replies fill our receive buffer and its send buffer.
        var payload = Payloads.Random(64 * 1024, seed: 23);
        using var sending = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var sender = Task.Run(
            async () =>
            {
                try
                {
                    while (true)
                    {
                        await client.Socket.SendAsync(payload, SocketFlags.None, sending.Token);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The reset ends it (or the test's end does).
                }
            },
            TestContext.Current.CancellationToken);

        var timeout = TimeSpan.FromSeconds(20);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (loop.BackpressuredCount == 0 && server.Metrics.Snapshot().SendTimeouts == 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        var blocked = Stopwatch.StartNew();
        Assert.True(await server.WaitForAsync(s => s.SendTimeouts == 1, timeout), "the peer that took no replies was not aborted");
        blocked.Stop();

        // The clock starts at the server's first unsent reply, a little before we saw it; the scan runs every quarter of the timeout.
        TestContext.Current.TestOutputHelper?.WriteLine($"aborted {blocked.Elapsed.TotalMilliseconds:F0} ms after backpressure was seen (send timeout {SendTimeout.TotalMilliseconds} ms)");
        Assert.True(blocked.Elapsed < SendTimeout + TimeSpan.FromSeconds(5), $"aborted only after {blocked.Elapsed}");
        Assert.True(await server.WaitForAsync(s => s.Active == 0), "the aborted connection is still counted as active");
        await sending.CancelAsync();
        await sender.WaitAsync(timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, server.Metrics.Snapshot().Failures);
    }

    [Fact]
    public async Task A_peer_that_reads_slowly_but_steadily_is_not_aborted()
    {
        // Longer than any pause between our reads, even on a busy machine; shorter than the whole read.
        var sendTimeout = TimeSpan.FromSeconds(2);
        await using var server = await TestServers.StartAsync(ServerModel.EventLoop, o => o with { SendTimeout = sendTimeout });
        await using var client = await server.ConnectAsync(s => s.ReceiveBufferSize = 4096);

        // 1 MiB echoed while we read it in small pieces with pauses: replies wait, but the peer keeps taking some.
        var payload = Payloads.Random(1024 * 1024, seed: 24);
        var sender = client.SendAsync(payload, TimeSpan.FromSeconds(60));
        var received = new byte[payload.Length];
        var total = 0;
        var stopwatch = Stopwatch.StartNew();
        while (total < received.Length)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var n = await client.Socket.ReceiveAsync(received.AsMemory(total, Math.Min(64 * 1024, received.Length - total)), SocketFlags.None, cts.Token);
            Assert.True(n > 0, $"the connection ended after {total} bytes");
            total += n;
            await Task.Delay(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        }

        await sender;
        Assert.Equal(payload, received);
        Assert.True(stopwatch.Elapsed > sendTimeout, $"the read took only {stopwatch.Elapsed}: the test never held replies past the timeout");
        Assert.Equal(0, server.Metrics.Snapshot().SendTimeouts);
    }
}
