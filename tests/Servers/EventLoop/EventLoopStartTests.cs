using System.Net;
using System.Net.Sockets;
using EchoServers.Servers.EventLoop;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.Servers.EventLoop;

/// <summary>Starting the event loop: a start that fails or is cancelled leaves nothing running; a taken port is reported as such.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class EventLoopStartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_start_cancelled_after_the_loops_started_stops_them_and_closes_the_listeners(int loops)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the eventloop model is Linux only");
        using var metrics = new EchoMetrics();
        await using var server = new EventLoopEchoServer(new ServerOptions { Port = 0, Loops = loops }, metrics, NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource();
        IPEndPoint? endPoint = null;
        server.LoopsStartedHook = () =>
        {
            endPoint = server.LocalEndPoint;
            cts.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.StartAsync(cts.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken));

        // Every loop thread has ended by the time StartAsync throws: nothing left to stop.
        Assert.Equal(loops, server.Loops.Count);
        Assert.All(server.Loops, loop => Assert.True(loop.Completed.IsCompleted, "a loop thread is still running"));

        // And the port is closed, not accepting into a loop nobody will stop.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        connect.CancelAfter(Timeout);
        var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(endPoint!, connect.Token).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_start_that_fails_after_the_loops_started_stops_them()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the eventloop model is Linux only");
        using var metrics = new EchoMetrics();
        await using var server = new EventLoopEchoServer(new ServerOptions { Port = 0, Loops = 2 }, metrics, NullLoggerFactory.Instance);
        server.LoopsStartedHook = () => throw new InvalidOperationException("injected");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken));

        Assert.Equal("injected", error.Message);
        Assert.All(server.Loops, loop => Assert.True(loop.Completed.IsCompleted, "a loop thread is still running"));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task The_command_line_says_address_in_use_for_the_eventloop_model(string loops)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the eventloop model is Linux only");
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        int exitCode;
        try
        {
            exitCode = await EchoServers.Servers.Program.Main(["--model", "eventloop", "--loops", loops, "--port", port, "--stats-interval", "none"])
                .WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(1, exitCode);
        Assert.Equal($"echo-server: cannot listen on 127.0.0.1:{port}: address already in use", stderr.ToString().Trim());
    }
}
