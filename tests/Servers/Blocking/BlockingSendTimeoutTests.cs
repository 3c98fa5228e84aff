using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.Blocking;

/// <summary>
/// <c>--send-timeout</c> on the threads and pool models, plain and TLS: a peer that sends but never reads blocks the
/// session's send; after the send timeout the connection is reset (the peer's pending send fails with a reset, not a
/// FIN behind unsent replies), counted as a send timeout (not an idle close), and its thread, pool worker and
/// <c>--max-connections</c> slot are free again. Before, a send waited the idle timeout, or for ever with none.
/// </summary>
public sealed class BlockingSendTimeoutTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(1);
    private static readonly X509Certificate2 Certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);

    public static TheoryData<ServerModel, bool> Variants => new()
    {
        { ServerModel.Threads, false },
        { ServerModel.Threads, true },
        { ServerModel.Pool, false },
        { ServerModel.Pool, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task A_peer_that_never_reads_is_reset_after_the_send_timeout_and_its_slot_is_freed(ServerModel model, bool tls)
    {
        // One pool worker and one connection slot: serving the next client proves the stalled one gave both back.
        await using var server = await TestServers.StartAsync(model, o => o with
        {
            Workers = 1,
            MaxConnections = 1,
            SendTimeout = SendTimeout,
            Tls = tls ? new TlsOptions { Certificate = Certificate } : null,
        });

        await using var stalled = await ConnectAsync(server, tls);
        using var stop = new CancellationTokenSource(Timeout * 2);
        var started = Stopwatch.GetTimestamp();
        var sending = SendWithoutReadingAsync(stalled, stop.Token);

        Assert.True(await server.WaitForAsync(m => m.SendTimeouts == 1 && m.Active == 0, Timeout), $"counters: {server.Metrics.Snapshot()}");
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(elapsed < SendTimeout + TimeSpan.FromSeconds(8), $"aborted after {elapsed.TotalSeconds:0.0} s");
        var ended = await sending.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.True(ended is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted }, $"the stalled peer's send ended with {ended?.GetType().Name}: {ended?.Message}");

        await using var next = await ConnectAsync(server, tls);
        var payload = Payloads.Random(1000, seed: 23);
        await next.SendAsync(payload);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(await next.ReceiveExactlyAsync(payload.Length, Timeout)));
        var m = server.Metrics.Snapshot();
        Assert.Equal((1L, 0L, 0L), (m.SendTimeouts, m.IdleCloses, m.Failures));
    }

    private static Task<TestClient> ConnectAsync(TestServer server, bool tls) =>
        tls ? TestClient.ConnectTlsAsync(server.EndPoint, ServerCertificate.Fingerprint(Certificate)) : server.ConnectAsync();

    /// <summary>Sends until the server ends the connection (returns how the send failed) or the test stops it; bounded to 256 MiB.</summary>
    private static async Task<Exception?> SendWithoutReadingAsync(TestClient client, CancellationToken cancellationToken)
    {
        var chunk = Payloads.Random(64 * 1024, seed: 1688);
        Stream? stream = client.Tls;
        try
        {
            for (var sent = 0L; sent < 256L * 1024 * 1024; sent += chunk.Length)
            {
                if (stream is null)
                {
                    await client.Socket.SendAsync(chunk, SocketFlags.None, cancellationToken);
                }
                else
                {
                    await stream.WriteAsync(chunk, cancellationToken);
                }
            }

            return null;
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            return socketError;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            return ex;
        }
    }
}
