using System.Security.Cryptography.X509Certificates;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Client;

/// <summary>
/// <c>echo-client --tls</c> against a real <c>--tls</c> server: every line echoed, the negotiated version and cipher
/// shown once, and each way the certificate check can fail a one-line error that names why and exits 1.
/// </summary>
public sealed class ClientTlsTests
{
    private static Task<TestServer> StartServerAsync(X509Certificate2 certificate) =>
        TestServers.StartAsync(ServerModel.Async, o => o with
        {
            Transport = TransportKind.Sockets,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
            Tls = new TlsOptions { Certificate = certificate },
        });

    [Fact]
    public async Task Insecure_pipe_mode_echoes_every_line_and_shows_version_and_cipher_once()
    {
        using var files = TestCertificates.Create();
        await using var server = await StartServerAsync(files.Certificate);
        var lines = Payloads.Lines(seed: 16, count: 200, maxLength: 300);

        var run = await ClientRun.PipeAsync(Payloads.AsInput(lines), "--port", server.EndPoint.Port.ToString(), "--tls", "--insecure");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Payloads.Sha256(Payloads.AsInput(lines)), Payloads.Sha256(run.Stdout));
        Assert.Matches(@"^tls: TLS 1\.[23], TLS_\w+, certificate CN=127\.0\.0\.1 \(not verified: --insecure\)\n$", run.Stderr);
        Assert.Equal(1, server.Metrics.Snapshot().Handshakes);
    }

    [Fact]
    public async Task Interactive_session_over_tls_shows_the_tls_line_then_the_prompt_and_replies()
    {
        using var files = TestCertificates.Create();
        await using var server = await StartServerAsync(files.Certificate);
        var keys = new ScriptedKeys().Type("hello").Enter().Type("world!").Enter().Type("/quit").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.EndPoint.Port.ToString(), "--tls", "--ca", files.CertificatePem);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^tls: TLS 1\.[23], TLS_\w+, certificate CN=127\.0\.0\.1 \(verified against server\.crt\)\n$", run.Stderr);
        Assert.Contains($"connected to 127.0.0.1:{server.EndPoint.Port} (line framing)", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?s)hello  \(\d+\.\d\d ms\).*world!  \(\d+\.\d\d ms\)", run.Stdout);
        Assert.Equal(2, server.Metrics.Snapshot().Messages);
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("localhost", null)]
    [InlineData("127.0.0.1", "localhost")]
    public async Task Ca_file_trusts_the_servers_own_certificate_by_address_or_name(string host, string? sni)
    {
        using var files = TestCertificates.Create();
        await using var server = await StartServerAsync(files.Certificate);
        string[] args = ["--host", host, "--port", server.EndPoint.Port.ToString(), "--tls", "--ca", files.CertificatePem, .. sni is null ? Array.Empty<string>() : ["--sni", sni]];

        var run = await ClientRun.PipeAsync("trusted\n", args);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("trusted\n", run.Stdout);
        Assert.EndsWith(", certificate CN=127.0.0.1 (verified against server.crt)\n", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Untrusted_certificate_is_one_line_naming_the_policy_error_and_the_fingerprint()
    {
        using var files = TestCertificates.Create();
        await using var server = await StartServerAsync(files.Certificate);

        var run = await ClientRun.PipeAsync("secret\n", "--port", server.EndPoint.Port.ToString(), "--tls");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"TLS: the certificate of 127.0.0.1:{server.EndPoint.Port} is not trusted: RemoteCertificateChainErrors (UntrustedRoot: ", line, StringComparison.Ordinal);
        Assert.Contains($"certificate CN=127.0.0.1, SHA-256 {files.Fingerprint}", line, StringComparison.Ordinal);
        Assert.EndsWith("trust it with --ca <file>, or skip the check with --insecure", line, StringComparison.Ordinal);
        Assert.Equal(0, server.Metrics.Snapshot().Messages);
    }

    [Fact]
    public async Task Expired_certificate_is_refused_even_when_trusted()
    {
        using var files = TestCertificates.Create(validity: TimeSpan.FromMinutes(-1));
        await using var server = await StartServerAsync(files.Certificate);

        var run = await ClientRun.PipeAsync("late\n", "--port", server.EndPoint.Port.ToString(), "--tls", "--ca", files.CertificatePem);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("RemoteCertificateChainErrors (NotTimeValid: ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_the_certificate_does_not_hold_is_a_name_mismatch()
    {
        using var files = TestCertificates.Create();
        await using var server = await StartServerAsync(files.Certificate);

        var run = await ClientRun.PipeAsync("who\n", "--port", server.EndPoint.Port.ToString(), "--tls", "--ca", files.CertificatePem, "--sni", "wrong.example");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("RemoteCertificateNameMismatch (asked for wrong.example)", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("RemoteCertificateChainErrors", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_to_a_plain_server_fails_with_one_line_within_the_timeout()
    {
        await using var server = FakeEchoServer.Start();

        var run = await ClientRun.PipeAsync("a\n", "--port", server.Port.ToString(), "--tls", "--insecure", "--timeout", "1s");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"TLS handshake with 127.0.0.1:{server.Port} ", line, StringComparison.Ordinal);
        Assert.EndsWith("(is it a TLS server, started with --tls?)", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--insecure, --ca and --sni need --tls", "--insecure")]
    [InlineData("--insecure, --ca and --sni need --tls", "--sni", "localhost")]
    [InlineData("--insecure and --ca cannot go together", "--tls", "--insecure", "--ca", "{ca}")]
    [InlineData("does not exist", "--tls", "--ca", "/nonexistent/ca.pem")]
    public async Task Tls_option_mistakes_exit_2_with_one_line(string expected, params string[] args)
    {
        using var files = TestCertificates.Create();
        args = [.. args.Select(a => a == "{ca}" ? files.CertificatePem : a)];

        var run = await ClientRun.PipeAsync("a\n", args);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
