using System.Diagnostics;
using System.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Reliability.HostileClients;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// Slow TLS clients on the blocking models: a peer that completes its handshake and then sends a record one byte at a
/// time gives the session no bytes, so the idle timeout must cut it off although the socket is never silent. Before
/// the timeouts were deadlines of the session, five such clients held all five pool workers for as long as they liked.
/// </summary>
public sealed class TlsTricklerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(300);

    // 200 bytes of record at 300 ms a byte: a minute, far past every wait here.
    private static readonly TimeSpan TrickleFor = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(ServerModel.Threads)]
    [InlineData(ServerModel.Pool)]
    public async Task A_fresh_tls_client_is_served_while_tricklers_hold_every_worker(ServerModel model)
    {
        const int tricklers = 2;
        using var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);
        var pinned = ServerCertificate.Fingerprint(certificate);
        await using var server = await TestServers.StartAsync(model, o => o with
        {
            Workers = tricklers,
            Protocol = o.Protocol with { Framing = FramingKind.Line, IdleTimeout = TimeSpan.FromSeconds(1) },
            Tls = new TlsOptions { Certificate = certificate, HandshakeTimeout = TimeSpan.FromSeconds(10) },
        });

        var started = Enumerable.Range(0, tricklers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var runs = started.Select(s => TlsTrickler.RunAsync(server.EndPoint, pinned.Replace(":", string.Empty, StringComparison.Ordinal), Interval, TrickleFor, s, Ct)).ToArray();
        await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // Every worker is taken by a trickler now; the fresh client is served once the idle deadline frees one.
        var clock = Stopwatch.StartNew();
        await using (var fresh = await TestClient.ConnectTlsAsync(server.EndPoint, pinned, TimeSpan.FromSeconds(10)))
        {
            await fresh.SendAsync("fresh\n");
            Assert.Equal("fresh", await fresh.ReadLineAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"served after {clock.Elapsed}");

        // And each trickler was closed by the server (idle), long before its record could have been finished.
        var closed = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.All(closed, Assert.True);
        Assert.True(await server.WaitForAsync(m => m.IdleCloses >= tricklers), "the tricklers should end as idle timeouts");
    }
}
