using System.Text.RegularExpressions;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Client;

/// <summary>
/// A line longer than the client's --max-frame is refused before a byte is sent: otherwise a server with a larger
/// limit echoes it and the client rejects its own message as a "bad reply", ending the session.
/// </summary>
public sealed partial class ClientMessageSizeTests
{
    [Fact]
    public async Task Pipe_mode_prints_earlier_replies_then_names_the_line_too_long_and_exits_one()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { MaxFrame = 1024 * 1024 });
        var line = Payloads.Line(new Random(7), 100_000);

        var run = await ClientRun.PipeAsync($"first\n{line}\nnever\n", "--port", server.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["first"], run.StdoutLines);
        Assert.Contains("line 2: not sent: the message is 100000 bytes, over --max-frame 65536 bytes", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--max-frame 100000 or more", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("bad reply", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interactive_mode_refuses_the_line_and_the_session_goes_on()
    {
        // Scaled down (typing 70,000 keys into the line editor is slow): client limit 16 bytes, server's 64 KiB.
        await using var server = FakeEchoServer.Start();
        var keys = new ScriptedKeys()
            .Type(new string('x', 40)).Enter()
            .Type("after").Enter()
            .Type("/quit").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString(), "--max-frame", "16");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("not sent: the message is 40 bytes, over --max-frame 16 bytes", run.Stderr, StringComparison.Ordinal);
        // Had the long line gone out, its echo would have ended the session before "after" came back.
        Assert.Equal(["after"], ReplyLine().Matches(run.Stdout).Select(m => m.Groups["text"].Value));
    }

    [Fact]
    public async Task A_line_within_a_raised_max_frame_is_sent_and_echoed()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { MaxFrame = 1024 * 1024 });
        var line = Payloads.Line(new Random(8), 100_000);

        var run = await ClientRun.PipeAsync(line + "\n", "--port", server.Port.ToString(), "--max-frame", "100000");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Payloads.Sha256(line), Payloads.Sha256(run.StdoutLines.Single()));
    }

    [GeneratedRegex(@"^(?<text>.*)  \(\d+\.\d\d ms\)$", RegexOptions.Multiline)]
    private static partial Regex ReplyLine();
}
