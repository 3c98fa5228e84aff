using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Cli;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.Tls;

/// <summary><c>--tls</c>, <c>--cert</c>, <c>--key</c>: how they bind, and the combinations refused at parse time with exit 2.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class TlsCommandLineTests
{
    [Fact]
    public void Without_tls_the_server_is_plain()
    {
        var command = new ServerCommand();
        Assert.Null(command.BindServerOptions(command.Root.Parse([])).Tls);
    }

    [Fact]
    public void Tls_alone_asks_for_a_self_signed_certificate_and_the_default_deadline()
    {
        var command = new ServerCommand();
        var parse = command.Root.Parse(["--tls"]);
        Assert.Empty(parse.Errors);
        var tls = command.BindServerOptions(parse).Tls;
        Assert.NotNull(tls);
        Assert.Null(tls.CertificatePath);
        Assert.Null(tls.KeyPath);
        Assert.Equal(TimeSpan.FromSeconds(10), tls.EffectiveHandshakeTimeout(TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromSeconds(3), tls.EffectiveHandshakeTimeout(TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData("async", new string[0], TransportKind.Epoll)] // TLS is a connection layer over any transport
    [InlineData("async", new[] { "--transport", "sockets" }, TransportKind.Sockets)]
    [InlineData("async", new[] { "--transport", "epoll" }, TransportKind.Epoll)] // named, not only by default
    [InlineData("kestrel", new[] { "--transport", "epoll" }, TransportKind.Epoll)]
    [InlineData("kestrel", new string[0], TransportKind.Epoll)] // Kestrel's TLS middleware runs on either transport
    public void Tls_runs_on_the_default_transport_or_the_one_asked_for(string model, string[] transport, TransportKind expected)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is the default on Linux only");
        var command = new ServerCommand();
        var parse = command.Root.Parse(["--model", model, "--tls", .. transport]);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, command.BindServerOptions(parse).EffectiveTransport);
    }

    [Fact]
    public void Cert_and_key_bind_as_full_paths()
    {
        using var files = TestCertificates.Create();
        var command = new ServerCommand();
        var parse = command.Root.Parse(["--model", "kestrel", "--tls", "--cert", files.CertificatePem, "--key", files.KeyPem]);
        Assert.Empty(parse.Errors);
        var tls = command.BindServerOptions(parse).Tls!;
        Assert.Equal(files.CertificatePem, tls.CertificatePath);
        Assert.Equal(files.KeyPem, tls.KeyPath);
    }

    [Theory]
    [InlineData("--tls is not supported by the eventloop model", "--model", "eventloop", "--tls")]
    [InlineData("--cert and --key need --tls", "--cert", "{pem}")]
    [InlineData("--key needs --cert", "--tls", "--key", "{key}")]
    [InlineData("--tls with --processes needs --cert", "--tls", "--processes", "2")]
    [InlineData("does not exist", "--tls", "--cert", "/nonexistent/server.pem")]
    public async Task Conflicts_exit_2_with_one_line_naming_the_problem(string expected, params string[] args)
    {
        using var files = TestCertificates.Create();
        args = [.. args.Select(a => a.Replace("{pem}", files.CombinedPem, StringComparison.Ordinal).Replace("{key}", files.KeyPem, StringComparison.Ordinal))];
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(2, await EchoServers.Servers.Program.Main(args));
        }
        finally
        {
            Console.SetError(original);
        }

        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("echo-server: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerModel.EventLoop, null)]
    public void The_factory_refuses_tls_where_the_model_cannot_serve_it(ServerModel model, TransportKind? transport)
    {
        using var metrics = new EchoMetrics();
        using var loggerFactory = new CapturedLogs().CreateFactory();
        var options = TestServers.Defaults(model) with { Transport = transport, Tls = new TlsOptions() };
        var error = Assert.Throws<NotSupportedException>(() => ServerFactory.Create(options, metrics, loggerFactory));
        Assert.StartsWith("--tls is not supported by the ", error.Message, StringComparison.Ordinal);
    }
}
