using System.Diagnostics;
using System.Net.Sockets;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers;

/// <summary>
/// <c>--send-timeout</c>: a peer that sends but never reads fills the server's output; after the send timeout the
/// server aborts it, counts it (<c>echo.connections.send_timeouts</c>) and frees its <c>--max-connections</c> slot.
/// Before, the pipe models waited for such a peer without a deadline (kestrel's transport dispose held the slot).
/// </summary>
public sealed class SendTimeoutTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(ServerVariant.PipeVariants), MemberType = typeof(ServerVariant))]
    public async Task A_peer_that_never_reads_is_aborted_after_the_send_timeout_and_its_slot_is_freed(string variant)
    {
        await using var server = await ServerVariant.Named(variant).StartAsync(o => o with { MaxConnections = 1, SendTimeout = SendTimeout });

        using var stalled = new Socket(server.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, SendBufferSize = 4096 };
        await stalled.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        using var stop = new CancellationTokenSource(Timeout * 2);
        var sending = SendWithoutReadingAsync(stalled, stop.Token);

        // The server stops reading once its replies wait (backpressure); from then on the send timeout runs.
        var started = Stopwatch.GetTimestamp();
        Assert.True(await server.WaitForAsync(m => m.SendTimeouts == 1 && m.Active == 0, Timeout), $"counters: {server.Metrics.Snapshot()}");
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(elapsed < SendTimeout + TimeSpan.FromSeconds(8), $"aborted after {elapsed.TotalSeconds:0.0} s");
        await stop.CancelAsync();
        await sending;

        // With --max-connections 1, being served proves the stalled peer's slot was given back.
        await using var next = await server.ConnectAsync();
        var payload = Payloads.Random(1000, seed: 23);
        await next.SendAsync(payload);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(await next.ReceiveExactlyAsync(payload.Length, Timeout)));
        Assert.Equal(1, server.Metrics.Snapshot().SendTimeouts);
    }

    /// <summary>Sends until the server resets the connection or the test stops it; bounded to 256 MiB.</summary>
    private static async Task SendWithoutReadingAsync(Socket socket, CancellationToken cancellationToken)
    {
        var chunk = Payloads.Random(64 * 1024, seed: 1688);
        try
        {
            for (var sent = 0L; sent < 256L * 1024 * 1024; sent += chunk.Length)
            {
                await socket.SendAsync(chunk, SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted by the server (what the test waits for), or stopped by the test.
        }
    }
}
