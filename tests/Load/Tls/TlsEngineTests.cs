using EchoServers.Load.Engine;
using EchoServers.Load.Engine.Tls;
using EchoServers.Load.Reports;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load.Tls;

/// <summary>
/// <c>echo-load run --tls</c>: the TLS engine against a real <c>--tls</c> server in process, each run bounded by a
/// timeout. Every reply is checked byte for byte against the payload its message carried (the engine's own
/// verification, shown to bite by a server that answers wrongly); the handshakes are counted on both sides.
/// </summary>
[Collection(nameof(TlsLoadCollection))]
public sealed class TlsEngineTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private static Task<LoadResult> RunAsync(LoadOptions options) =>
        LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken).WaitAsync(RunTimeout, TestContext.Current.CancellationToken);

    private static LoadOptions Options(TestServer server, TlsClientOptions? tls = null) => new()
    {
        Target = server.EndPoint,
        Connections = 6,
        Pipeline = 2,
        Duration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(5),
        DrainTimeout = TimeSpan.FromSeconds(3),
        Tls = tls ?? new TlsClientOptions { Insecure = true },
    };

    [Theory]
    [InlineData(FramingKind.Raw, StartMode.Together)]
    [InlineData(FramingKind.Line, StartMode.Immediate)]
    [InlineData(FramingKind.Length, StartMode.Together)]
    public async Task Closed_load_over_tls_verifies_every_reply_and_times_every_handshake(FramingKind framing, StartMode start)
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate, framing);

        var result = await RunAsync(Options(server) with { Framing = framing, Start = start, Sizes = new SizeSpec(16, 1500) });
        var after = server.Metrics.Snapshot();

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Valid, string.Join("; ", result.Warnings));
        Assert.Equal(new ConnectionCounts(6, 6, 0, 6), result.Connections);
        Assert.True(result.Messages > 100, $"only {result.Messages} messages");
        Assert.Equal(result.Messages, result.LatencyUs.Count);
        Assert.Equal("tls", result.Engine);
        var tls = Assert.IsType<TlsSummary>(result.Tls);
        Assert.Equal(6, tls.Handshakes);
        Assert.Equal(0, tls.HandshakeFailures);
        Assert.Equal(6, tls.HandshakeUs.Count);
        Assert.InRange(tls.HandshakeUs.P50, 1, tls.HandshakeUs.Max);
        Assert.Equal(6, result.HandshakeHistogram!.TotalCount);
        Assert.Matches(@"^TLS 1\.[23], TLS_\w+$", tls.Negotiated);
        Assert.Equal("not verified (--insecure)", tls.Trust);
        Assert.True(tls.GeneratorCpuUsPerHandshake is > 0 || start == StartMode.Immediate, $"cpu per handshake {tls.GeneratorCpuUsPerHandshake}");

        // The server saw the same handshakes and echoed every byte it was sent.
        Assert.Equal(6, after.Handshakes);
        Assert.Equal(after.BytesIn, after.BytesOut);
        Assert.True(after.BytesOut >= result.BytesPerSecond * result.DurationSeconds, $"server wrote {after.BytesOut} B");
    }

    [Fact]
    public async Task A_deep_pipeline_of_large_messages_does_not_deadlock_reads_against_writes()
    {
        // 16 × 32 KiB in flight per connection is more than the socket buffers hold: a client that wrote a whole
        // batch before reading would stall with the server blocked writing back to it.
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate, FramingKind.Length);

        var result = await RunAsync(Options(server) with { Connections = 2, Pipeline = 16, Framing = FramingKind.Length, Sizes = new SizeSpec(24 * 1024, 32 * 1024) });

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Messages > 32, $"only {result.Messages} messages");
    }

    [Fact]
    public async Task A_server_that_uppercases_when_echo_is_expected_is_caught_over_tls()
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate, FramingKind.Line, TransformKind.Upper);

        var wrong = await RunAsync(Options(server) with { Framing = FramingKind.Line });
        var right = await RunAsync(Options(server) with { Framing = FramingKind.Line, Expect = TransformKind.Upper });

        Assert.True(wrong.Errors.Mismatch > 0, $"mismatch {wrong.Errors.Mismatch}");
        Assert.Equal(0, wrong.Messages);
        Assert.False(wrong.Valid);
        Assert.Equal(0, right.Errors.Total);
        Assert.True(right.Messages > 0);
    }

    [Fact]
    public async Task An_untrusted_certificate_without_insecure_stops_the_run_with_the_reason_and_the_fingerprint()
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate);

        var error = await Assert.ThrowsAsync<LoadSetupException>(() => RunAsync(Options(server, new TlsClientOptions())));

        Assert.StartsWith($"TLS: the certificate of {server.EndPoint} is not trusted: RemoteCertificateChainErrors (", error.Message, StringComparison.Ordinal);
        Assert.Contains($"certificate CN=127.0.0.1, SHA-256 {files.Fingerprint}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("trust it with --ca <file>, or skip the check with --insecure", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("localhost")]
    public async Task The_ca_file_trusts_the_servers_own_certificate_by_address_or_by_name(string? sni)
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate);

        var result = await RunAsync(Options(server, new TlsClientOptions { CaFile = files.CertificatePem, Sni = sni }) with { Connections = 2 });

        Assert.Equal(0, result.Errors.Total);
        Assert.Equal("verified against server.crt", result.Tls!.Trust);
        Assert.Equal(sni ?? "127.0.0.1", result.Tls.ServerName);
    }

    [Fact]
    public async Task A_name_the_certificate_does_not_hold_is_refused_even_with_the_ca_file()
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate);

        var error = await Assert.ThrowsAsync<LoadSetupException>(() =>
            RunAsync(Options(server, new TlsClientOptions { CaFile = files.CertificatePem, Sni = "example.org" }) with { Connections = 2 }));

        Assert.Contains("RemoteCertificateNameMismatch (asked for example.org)", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not name example.org (see --sni)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_tcp_server_fails_the_handshake_with_a_hint()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);

        var error = await Assert.ThrowsAsync<LoadSetupException>(() => RunAsync(new LoadOptions
        {
            Target = server.EndPoint,
            Connections = 2,
            Duration = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            Tls = new TlsClientOptions { Insecure = true },
        }));

        Assert.StartsWith($"no TLS connection to {server.EndPoint} could be established: TLS handshake with {server.EndPoint} ", error.Message, StringComparison.Ordinal);
        Assert.Contains("(is it a TLS server, started with --tls?)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Churn_over_tls_makes_one_handshake_per_connection_and_closes_each_after_its_messages()
    {
        using var files = TestCertificates.Create();
        await using var server = await TlsEchoServer.StartAsync(files.Certificate, FramingKind.Line);

        var result = await RunAsync(Options(server) with { Connections = 4, Pipeline = 1, Framing = FramingKind.Line, MessagesPerConnection = 5, Start = StartMode.Together });
        Assert.True(await server.WaitForAsync(m => m.Active == 0), "the server still holds connections");
        var after = server.Metrics.Snapshot();

        Assert.Equal(0, result.Errors.Total);
        Assert.True(result.Connects > 8, $"only {result.Connects} connects");
        Assert.Equal(result.Connects, result.Tls!.Handshakes);
        Assert.Equal(result.Connects, after.Handshakes);
        Assert.Equal(result.Connects, after.Accepted);
        Assert.True(result.Tls.MeasuredHandshakes > 0);
        Assert.Equal("measured window: each handshake with its connection's messages", result.Tls.GeneratorCpuBasis);

        // At most five messages per connection: never more messages than five per handshake the server counted.
        Assert.InRange(after.Messages, result.Messages, 5 * after.Handshakes);
    }
}
