using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Conformance;

/// <summary>
/// The conformance subset over <c>--tls</c>, run against every TLS-capable model through one sealed subclass each:
/// byte-exact echo, half-close with close_notify, idle timeout, max connections, oversized frame, and the handshake
/// failures (a plain-text client, a stalled handshake), which close that connection, are counted as their own
/// cause, and leave the server serving. The client pins the server's certificate by its SHA-256 fingerprint.
/// </summary>
public abstract partial class TlsConformanceTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    // One certificate for every test: generating is cheap, but pinning one fingerprint keeps the client simple.
    private static readonly X509Certificate2 Certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);

    private static readonly string Pinned = ServerCertificate.Fingerprint(Certificate);

    /// <summary>The variant under test: the one thing each sealed subclass says.</summary>
    protected abstract ServerVariant Variant { get; }

    /// <summary>Starts the variant over TLS, then applies the test's changes.</summary>
    protected Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null) =>
        Variant.StartAsync(o =>
        {
            o = o with { Tls = new TlsOptions { Certificate = Certificate } };

            // The pool runs the handshake on its worker: enough of them for the tests' concurrent clients.
            o = o.Model == ServerModel.Pool ? o with { Workers = 8 } : o;
            return configure is null ? o : configure(o);
        });

    private static Task<TestClient> ConnectAsync(TestServer server) => TestClient.ConnectTlsAsync(server.EndPoint, Pinned);

    private static ServerOptions WithProtocol(ServerOptions options, Func<ProtocolOptions, ProtocolOptions> change) =>
        options with { Protocol = change(options.Protocol) };

    /// <summary>Waits until the counters reach the expected values, then asserts all of them at once.</summary>
    private static async Task AssertCountersAsync(TestServer server, long accepted, long rejected = 0, long idleCloses = 0, long protocolErrors = 0, long handshakeFailures = 0)
    {
        var expected = (accepted, rejected, resets: 0L, idleCloses, protocolErrors, failures: 0L, handshakeFailures);
        await server.WaitForAsync(m => (m.Accepted, m.Rejected, m.Resets, m.IdleCloses, m.ProtocolErrors, m.Failures, m.HandshakeFailures) == expected);
        var m = server.Metrics.Snapshot();
        Assert.Equal(expected, (m.Accepted, m.Rejected, m.Resets, m.IdleCloses, m.ProtocolErrors, m.Failures, m.HandshakeFailures));
    }

    /// <summary>Stops the server (flushing its summaries) and returns its handshake-failure summary lines.</summary>
    private static async Task<string[]> HandshakeSummariesAsync(TestServer server)
    {
        await server.DisposeAsync();
        return [.. server.Logs.Entries
            .Where(e => e.Category == "EchoServers.Connections" && e.Message.Contains("failed the TLS handshake", StringComparison.Ordinal))
            .Select(e => e.Message)];
    }

    [Fact]
    public async Task Echoes_1MiB_random_payload_split_into_random_writes_byte_exact()
    {
        await using var server = await StartAsync();
        await using var client = await ConnectAsync(server);
        var payload = Payloads.Random(1024 * 1024, seed: 1689);

        var echoed = await client.ExchangeInRandomPiecesAsync(payload, payload.Length, seed: 8, maxChunk: 50_000, Timeout);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(echoed));
        Assert.True(await server.WaitForAsync(m => m.BytesOut == payload.Length), "bytes out should count the plaintext payload");
        Assert.Equal(1, server.Metrics.Snapshot().Handshakes);
    }

    [Fact]
    public async Task Half_close_with_close_notify_echoes_everything_then_closes()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Length }));
        await using var client = await ConnectAsync(server);
        // Small enough (32 KB) for the kernel's buffers to hold every reply until it is read: the client reads only
        // after its close_notify, because SslStream's shutdown beside a read in progress can corrupt OpenSSL's state
        // ("decryption failed or bad record mac" in CreateShutdownToken, seen once in CI). Replies the server writes
        // after the close_notify arrive all the same.
        var messages = Enumerable.Range(0, 16).Select(i => Payloads.Random(2000, seed: i)).ToArray();
        var frames = Payloads.Frames(FramingKind.Length, messages);
        await client.SendAsync(frames);
        await client.ShutdownSendAsync();

        var (echoed, reset) = await client.ReceiveToEndAsync(Timeout);
        Assert.False(reset, "the server should close with close_notify and a FIN after the last reply, not a reset");
        Assert.Equal(Payloads.Sha256(frames), Payloads.Sha256(echoed));
        Assert.True(await server.WaitForAsync(m => m.Active == 0), "the connection should be closed on the server");
        await AssertCountersAsync(server, accepted: 1);
    }

    [Fact]
    public async Task Idle_timeout_closes_a_silent_connection()
    {
        var idle = TimeSpan.FromMilliseconds(300);
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, IdleTimeout = idle }));
        await using var client = await ConnectAsync(server);
        await client.SendAsync("ping\n");
        Assert.Equal("ping", await client.ReadLineAsync(Timeout));

        var silentSince = Stopwatch.StartNew();
        var (rest, _) = await client.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);
        Assert.True(silentSince.Elapsed >= idle * 0.8, $"closed after {silentSince.Elapsed.TotalMilliseconds:0} ms, before the idle timeout");
        await AssertCountersAsync(server, accepted: 1, idleCloses: 1);
        Assert.Empty(server.Logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Max_connections_refuses_the_next_over_tls_and_keeps_serving_the_others()
    {
        await using var server = await StartAsync(o => WithProtocol(o with { MaxConnections = 2 }, p => p with { Framing = FramingKind.Line }));
        await using var first = await ConnectAsync(server);
        await using var second = await ConnectAsync(server);
        await first.SendAsync("one\n");
        await second.SendAsync("two\n");
        Assert.Equal("one", await first.ReadLineAsync(Timeout));
        Assert.Equal("two", await second.ReadLineAsync(Timeout));

        // The refusal completes the handshake, so a TLS client can read why it was refused.
        await using (var third = await ConnectAsync(server))
        {
            Assert.Equal("ERROR: server full: 2 connections already open (--max-connections)", await third.ReadLineAsync(Timeout));
            Assert.Null(await third.ReadLineAsync(Timeout));
        }

        await first.SendAsync("still here\n");
        Assert.Equal("still here", await first.ReadLineAsync(Timeout));
        await second.DisposeAsync();
        Assert.True(await server.WaitForAsync(m => m.Active == 1), "the closed client should release its slot");
        await using var fourth = await ConnectAsync(server);
        await fourth.SendAsync("four\n");
        Assert.Equal("four", await fourth.ReadLineAsync(Timeout));
        await AssertCountersAsync(server, accepted: 3, rejected: 1);
        Assert.Equal(4, server.Metrics.Snapshot().Handshakes);
    }

    [Fact]
    public async Task Oversized_line_gets_an_error_line_then_close_and_others_are_unaffected()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, MaxFrame = 1024 }));
        await using var bystander = await ConnectAsync(server);
        await using var offender = await ConnectAsync(server);
        await offender.SendAsync(Payloads.RandomText(4096, seed: 3));

        var error = await offender.ReadLineAsync(Timeout);
        Assert.NotNull(error);
        Assert.StartsWith(ErrorLine.Prefix, error, StringComparison.Ordinal);
        Assert.Contains("1024", error, StringComparison.Ordinal);
        var (rest, _) = await offender.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);

        await bystander.SendAsync("fine\n");
        Assert.Equal("fine", await bystander.ReadLineAsync(Timeout));
        await AssertCountersAsync(server, accepted: 2, protocolErrors: 1);
    }

    [Fact]
    public async Task Plain_text_client_is_closed_counted_as_a_handshake_failure_and_the_server_keeps_serving()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line }));
        await using (var plain = await TestClient.ConnectAsync(server.EndPoint))
        {
            await plain.SendAsync("hello in the clear\n");

            // Closed (perhaps after a TLS alert, never an echo), within the timeout: not left hanging.
            var (answer, _) = await plain.ReceiveToEndAsync(Timeout);
            Assert.True(answer.AsSpan().IndexOf("hello"u8) < 0, "a plain-text client must never be echoed");
        }

        await using (var client = await ConnectAsync(server))
        {
            await client.SendAsync("still serving\n");
            Assert.Equal("still serving", await client.ReadLineAsync(Timeout));
        }

        // The failed handshake is not an accepted connection, and not a reset or a failure: its own cause.
        await AssertCountersAsync(server, accepted: 1, handshakeFailures: 1);
        var summary = Assert.Single(await HandshakeSummariesAsync(server));
        Assert.Matches(@"^1 connections failed the TLS handshake in the last \d+s \(first: 127\.0\.0\.1:\d+: .+\)$", summary);
        Assert.Empty(server.Logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Stalled_handshake_is_closed_at_the_deadline_and_frees_its_slot()
    {
        var deadline = TimeSpan.FromMilliseconds(400);
        await using var server = await StartAsync(o => o with
        {
            MaxConnections = 1,
            Tls = o.Tls! with { HandshakeTimeout = deadline },
            Protocol = o.Protocol with { Framing = FramingKind.Line },
        });
        // Started before the connect: the server's deadline starts at its accept, which no client-side step precedes,
        // so a send delayed by a busy machine cannot make the close look early.
        var stalledSince = Stopwatch.StartNew();
        await using (var staller = await TestClient.ConnectAsync(server.EndPoint))
        {
            // The header of a handshake record announcing 512 bytes, and then nothing: the server waits inside the handshake.
            await staller.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00 });
            await staller.ReceiveToEndAsync(Timeout);
            Assert.True(stalledSince.Elapsed >= deadline * 0.8, $"closed after {stalledSince.Elapsed.TotalMilliseconds:0} ms, before the handshake deadline");
        }

        Assert.True(await server.WaitForAsync(m => m.HandshakeFailures == 1), "the stalled handshake should be counted");

        // The one slot is free again: the next client is served, not refused.
        await using (var client = await ConnectAsync(server))
        {
            await client.SendAsync("served\n");
            Assert.Equal("served", await client.ReadLineAsync(Timeout));
        }

        await AssertCountersAsync(server, accepted: 1, handshakeFailures: 1);
        var summary = Assert.Single(await HandshakeSummariesAsync(server));
        Assert.Contains("not complete within 400ms", summary, StringComparison.Ordinal);
    }
}
