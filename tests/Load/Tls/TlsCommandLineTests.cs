using System.CommandLine;
using EchoServers.Load.Cli;
using EchoServers.Load.Distributed;

namespace EchoServers.Tests.Load.Tls;

/// <summary><c>run --tls [--insecure | --ca file] [--sni name]</c>: binding, and every misuse refused with one line.</summary>
public sealed class TlsCommandLineTests
{
    private static (bool Ok, BoundRunOptions? Bound, string Error) Bind(params string[] args)
    {
        var options = new RunCommandOptions();
        var distributed = new DistributedRunOptions();
        var command = new Command("run");
        foreach (var option in options.All.Concat(distributed.All))
        {
            command.Options.Add(option);
        }

        var parse = command.Parse(["--target", "127.0.0.1:7", .. args]);
        Assert.Empty(parse.Errors);
        var ok = options.TryBind(parse, out var bound, out var error) && distributed.TryApply(parse, ref bound, out _, out error);
        return (ok, ok ? bound : null, error);
    }

    [Fact]
    public void Without_tls_there_are_no_tls_options()
    {
        var (ok, bound, error) = Bind();
        Assert.True(ok, error);
        Assert.Null(bound!.Load.Tls);
    }

    [Fact]
    public void Tls_binds_its_trust_options()
    {
        using var ca = new TempFile();

        Assert.True(Bind("--tls").Bound!.Load.Tls is { Insecure: false, CaFile: null, Sni: null });
        Assert.True(Bind("--tls", "-k").Bound!.Load.Tls is { Insecure: true });
        var (ok, bound, error) = Bind("--tls", "--ca", ca.Path, "--sni", "localhost", "--messages-per-connection", "10");
        Assert.True(ok, error);
        Assert.Equal(ca.Path, bound!.Load.Tls!.CaFile);
        Assert.Equal("localhost", bound.Load.Tls.Sni);
        Assert.Equal(10, bound.Load.MessagesPerConnection);
    }

    [Theory]
    [InlineData("--rate", "500")]
    [InlineData("--load", "inject 500/s for 10s")]
    public void The_open_model_binds_over_tls(params string[] args)
    {
        var (ok, bound, error) = Bind(["--tls", "-k", .. args]);

        Assert.True(ok, error);
        Assert.True(bound!.Load.Tls is { Insecure: true });
        Assert.True(bound.Load.BuildProfile().IsOpen);
    }

    [Theory]
    [InlineData("--insecure and --ca cannot go together", "--tls", "--insecure", "--ca", "{ca}")]
    [InlineData("--insecure, --ca and --sni need --tls", "--insecure")]
    [InlineData("--insecure, --ca and --sni need --tls", "--sni", "localhost")]
    [InlineData("--ca: file '/no/such/ca.pem' does not exist", "--tls", "--ca", "/no/such/ca.pem")]
    [InlineData("--processes with --tls is not supported", "--tls", "-k", "--processes", "2")]
    public void Misuse_is_refused_with_one_line(string expected, params string[] args)
    {
        using var ca = new TempFile();
        var (ok, _, error) = Bind([.. args.Select(a => a == "{ca}" ? ca.Path : a)]);
        Assert.False(ok);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    private sealed class TempFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }
}
