using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Client;

public sealed class PipeModeTests
{
    [Fact]
    public async Task Prints_each_reply_on_its_own_line_and_exits_zero()
    {
        await using var server = FakeEchoServer.Start();

        var run = await ClientRun.PipeAsync("a\nb\n", "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("a\nb\n", run.Stdout);
        Assert.Equal(string.Empty, run.Stderr);
    }

    [Theory]
    [InlineData("line")]
    [InlineData("length")]
    public async Task Echoes_random_lines_exactly(string framing)
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { Framing = framing == "line" ? FramingKind.Line : FramingKind.Length });
        var lines = Payloads.Lines(seed: 5, count: 200, maxLength: 300);

        var run = await ClientRun.PipeAsync(Payloads.AsInput(lines), "--port", server.Port.ToString(), "--framing", framing);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(lines, run.StdoutLines);
    }

    [Fact]
    public async Task Prints_what_an_upper_server_sends_back()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { Transform = TransformKind.Upper });

        var run = await ClientRun.PipeAsync("hello\nMixed Case 123\n", "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("HELLO\nMIXED CASE 123\n", run.Stdout);
    }

    [Fact]
    public async Task A_100_KiB_line_comes_back_whole()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { MaxFrame = 128 * 1024 });
        var line = Payloads.Line(new Random(100), 100 * 1024);

        var run = await ClientRun.PipeAsync(line + "\nafter\n", "--port", server.Port.ToString(), "--max-frame", "128KiB");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, run.StdoutLines.Length);
        Assert.Equal(Payloads.Sha256(line), Payloads.Sha256(run.StdoutLines[0]));
        Assert.Equal("after", run.StdoutLines[1]);
    }

    [Fact]
    public async Task Several_replies_in_one_segment_print_as_separate_lines()
    {
        var lines = Payloads.Lines(seed: 7, count: 5, maxLength: 40);
        await using var server = FakeEchoServer.Start(new FakeServerScript { RepliesPerWrite = lines.Length });

        var run = await ClientRun.PipeAsync(Payloads.AsInput(lines), "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(lines, run.StdoutLines);
    }

    [Fact]
    public async Task Large_input_does_not_deadlock_because_sending_and_receiving_run_together()
    {
        // ~4 MB each way: far more than both sockets' buffers, so a client that sent everything before reading would hang.
        await using var server = FakeEchoServer.Start(new FakeServerScript { RepliesPerWrite = 64 });
        var lines = Payloads.Lines(seed: 11, count: 4096, maxLength: 2000);

        var run = await ClientRun.PipeAsync(Payloads.AsInput(lines), "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Payloads.Sha256(Payloads.AsInput(lines)), Payloads.Sha256(run.Stdout));
    }

    [Fact]
    public async Task Raw_framing_prints_the_bytes_and_says_replies_are_not_delimited()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { Framing = FramingKind.Raw });

        var run = await ClientRun.PipeAsync("héllo\nworld\n", "--port", server.Port.ToString(), "--framing", "raw");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("héllo\nworld\n", run.Stdout);
        Assert.Contains("not delimited", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_input_exits_zero_with_no_output()
    {
        await using var server = FakeEchoServer.Start();

        var run = await ClientRun.PipeAsync(string.Empty, "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
    }
}
