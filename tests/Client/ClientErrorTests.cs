using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Client;

public sealed class ClientErrorTests
{
    [Fact]
    public async Task Server_down_is_one_line_and_a_non_zero_exit_within_the_timeout()
    {
        var port = UnusedPort();
        var clock = Stopwatch.StartNew();

        var run = await ClientRun.PipeAsync("a\n", "--port", port.ToString(), "--timeout", "3s");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"cannot connect to 127.0.0.1:{port}: connection refused\n", run.Stderr);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_server_that_does_not_accept_times_out_the_connect()
    {
        // A listener whose accept queue is full drops further SYNs, so the next connect hangs: exactly a
        // server that is up but not answering, without sending anything off this machine.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            using var fill = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                while (fillers.Count < 16)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    fillers.Add(socket);
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), fill.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The queue is full: this connect hung, which is the state wanted.
            }

            Assert.True(fillers.Count < 16, "the accept queue never filled; cannot provoke a connect timeout here");
            var clock = Stopwatch.StartNew();

            var run = await ClientRun.PipeAsync("a\n", "--port", port.ToString(), "--timeout", "300ms");

            Assert.Equal(1, run.ExitCode);
            Assert.Equal($"cannot connect to 127.0.0.1:{port}: timed out after 300ms\n", run.Stderr);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Server_closing_mid_session_prints_what_came_and_exits_non_zero()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { CloseAfter = 2 });

        var run = await ClientRun.PipeAsync("one\ntwo\nthree\nfour\n", "--port", server.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["one", "two"], run.StdoutLines);
        Assert.Contains("server closed the connection", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 of ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_closing_while_stdin_has_nothing_to_give_still_ends_the_run()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { CloseAfter = 1 });
        using var stdin = new StallingReader("first");
        try
        {
            var run = await ClientRun.PipeAsync(stdin, "--port", server.Port.ToString());

            Assert.Equal(1, run.ExitCode);
            Assert.Equal("first\n", run.Stdout);
            Assert.Contains("server closed the connection (1 of 1 replies received)", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            stdin.Release();
        }
    }

    [Theory]
    [InlineData("line", "line too long")]
    [InlineData("length", "frame too large: length prefix 70000 exceeds max frame 65536 bytes")]
    public async Task A_reply_over_max_frame_is_a_clear_error(string framing, string expected)
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript
        {
            Framing = framing == "line" ? FramingKind.Line : FramingKind.Length,
            OversizeReply = 70000,
        });

        var run = await ClientRun.PipeAsync("hi\n", "--port", server.Port.ToString(), "--framing", framing);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Contains("bad reply from server: " + expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_servers_error_line_goes_to_stderr_not_stdout()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { MaxFrame = 100 });

        var run = await ClientRun.PipeAsync("ok\n" + new string('x', 200) + "\n", "--port", server.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("ok\n", run.Stdout);
        Assert.Contains("server error: line too long", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_replies_time_out_after_input_ends()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { Mute = true });

        var run = await ClientRun.PipeAsync("a\nb\n", "--port", server.Port.ToString(), "--timeout", "300ms");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("timed out after 300ms waiting for replies (0 of 2 replies received)", run.Stderr, StringComparison.Ordinal);
    }

    private static int UnusedPort()
    {
        // Bound but never listening: a connect to it is refused.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
