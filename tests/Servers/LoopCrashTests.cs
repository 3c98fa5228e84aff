using EchoServers.Servers.Hosting;
using EchoServers.Servers.Hosting.Cli;
using EchoServers.Tests.Infrastructure;
using Serilog.Events;

namespace EchoServers.Tests.Servers;

/// <summary>
/// A loop thread that dies (event loop, epoll transport) must not leave a process that looks alive and serves
/// nobody: the runner logs it and exits non-zero, so a supervisor restarts the server.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class LoopCrashTests
{
    [Theory]
    [InlineData(ServerModel.EventLoop, null)]
    [InlineData(ServerModel.Async, TransportKind.Epoll)]
    [InlineData(ServerModel.Kestrel, TransportKind.Epoll)]
    public async Task A_crashed_loop_thread_ends_the_process_with_a_non_zero_exit_code(ServerModel model, TransportKind? transport)
    {
        var crash = new InvalidOperationException("injected loop fault");
        var hooks = new ServerTestHooks { LoopTurn = () => throw crash };
        var options = TestServers.Defaults(model) with { Transport = transport, TestHooks = hooks };

        var exitCode = await ServerRunner.RunAsync(options, new LoggingOptions(LogEventLevel.Warning, null))
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(ServerRunner.FatalExitCode, exitCode);
    }
}
