using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Cli;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers;

/// <summary>The echo-server command line: values bind as documented, bad ones are one line and exit code 2.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CommandLineTests
{
    [Fact]
    public void Defaults_match_the_design()
    {
        var command = new ServerCommand();
        var options = command.BindServerOptions(command.Root.Parse([]));
        Assert.Equal(ServerModel.Async, options.Model);
        Assert.Equal(1688, options.Port);
        Assert.Equal("127.0.0.1", options.Host.ToString());
        Assert.Equal(FramingKind.Raw, options.Protocol.Framing);
        Assert.Equal(64 * 1024, options.Protocol.MaxFrame);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DrainTimeout);
        Assert.Equal(TimeSpan.Zero, options.Protocol.IdleTimeout);
        Assert.Equal(5, options.Workers);
        Assert.Equal(100, options.Queue);
    }

    [Fact]
    public void Values_bind_with_units()
    {
        var command = new ServerCommand();
        var parse = command.Root.Parse(["--model", "Pool", "--port", "0", "--framing", "line", "--transform", "upper", "--max-frame", "1MiB", "--idle-timeout", "30s", "--work", "io:5ms", "--workers", "8", "--queue", "0", "--stats-interval", "none", "--drain-timeout", "250ms"]);
        Assert.Empty(parse.Errors);
        var options = command.BindServerOptions(parse);
        Assert.Equal(ServerModel.Pool, options.Model);
        Assert.Equal(0, options.Port);
        Assert.Equal(1024 * 1024, options.Protocol.MaxFrame);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Protocol.IdleTimeout);
        Assert.Equal("io:5ms", options.Protocol.Work.ToString());
        Assert.Equal(8, options.Workers);
        Assert.Equal(0, options.Queue);
        Assert.Equal(TimeSpan.Zero, options.StatsInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.DrainTimeout);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "http")]
    [InlineData("--model", "fibers")]
    [InlineData("--framing", "xml")]
    [InlineData("--max-frame", "64 parsecs")]
    [InlineData("--max-frame", "1GiB")]
    [InlineData("--idle-timeout", "30")]
    [InlineData("--work", "gpu:5ms")]
    [InlineData("--host", "not-an-address")]
    [InlineData("--workers", "0")]
    [InlineData("--transport", "uring")]
    public async Task Bad_values_exit_2_with_one_line(string option, string value)
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(2, await EchoServers.Servers.Program.Main([option, value]));
        }
        finally
        {
            Console.SetError(original);
        }

        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("echo-server: ", lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pool")]
    [InlineData("threads")]
    [InlineData("eventloop")]
    public async Task Transport_is_refused_for_models_without_one(string model)
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(2, await EchoServers.Servers.Program.Main(["--model", model, "--transport", "epoll"]));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains("--transport applies to --model async and kestrel only", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("async", "sockets", TransportKind.Sockets)]
    [InlineData("kestrel", "epoll", TransportKind.Epoll)]
    public void Transport_binds_for_the_pipe_models(string model, string transport, TransportKind expected)
    {
        var command = new ServerCommand();
        var options = command.BindServerOptions(command.Root.Parse(["--model", model, "--transport", transport]));
        Assert.Equal(expected, options.Transport);
        Assert.Null(command.BindServerOptions(command.Root.Parse(["--model", model])).Transport);
    }
}
