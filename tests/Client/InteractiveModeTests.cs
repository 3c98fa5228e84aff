using System.Text.RegularExpressions;

namespace EchoServers.Tests.Client;

public sealed partial class InteractiveModeTests
{
    [Fact]
    public async Task Typed_lines_history_and_quit_work_as_a_person_uses_them()
    {
        await using var server = FakeEchoServer.Start();
        var keys = new ScriptedKeys()
            .Type("hello").Enter()
            .Type("wrld").Press(ConsoleKey.LeftArrow).Press(ConsoleKey.LeftArrow).Press(ConsoleKey.LeftArrow)
            .Type("o").Press(ConsoleKey.End).Type("!").Enter()
            .Press(ConsoleKey.UpArrow).Press(ConsoleKey.UpArrow).Enter()
            .Type("/quit").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"connected to 127.0.0.1:{server.Port} (line framing)", run.Stdout, StringComparison.Ordinal);
        var replies = ReplyLine().Matches(run.Stdout).Select(m => m.Groups["text"].Value).ToArray();
        Assert.Equal(["hello", "world!", "hello"], replies);
        Assert.Equal(string.Empty, run.Stderr);
    }

    [Fact]
    public async Task Backspace_delete_and_home_edit_the_line()
    {
        await using var server = FakeEchoServer.Start();
        var keys = new ScriptedKeys()
            .Type("xabcc").Press(ConsoleKey.Backspace, keyChar: '\u007f')
            .Press(ConsoleKey.Home).Press(ConsoleKey.Delete).Enter()
            .Press(ConsoleKey.D, control: true, keyChar: '\u0004');

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["abc"], ReplyLine().Matches(run.Stdout).Select(m => m.Groups["text"].Value));
    }

    [Fact]
    public async Task Ctrl_C_at_the_prompt_leaves_cleanly()
    {
        await using var server = FakeEchoServer.Start();
        var keys = new ScriptedKeys().Type("half typed").Press(ConsoleKey.C, control: true, keyChar: '\u0003');

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString());

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(ReplyLine().Matches(run.Stdout));
    }

    [Fact]
    public async Task Server_closing_while_the_prompt_waits_is_reported_and_exits_non_zero()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { CloseAfter = 1 });
        var keys = new ScriptedKeys().Type("only one").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["only one"], ReplyLine().Matches(run.Stdout).Select(m => m.Groups["text"].Value));
        Assert.Equal("server closed the connection\n", run.Stderr);
    }

    [Fact]
    public async Task The_servers_parting_error_line_is_shown_before_the_close()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { CloseAfter = 1, Farewell = "ERROR: idle timeout\n" });
        var keys = new ScriptedKeys().Type("ping").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["ping"], ReplyLine().Matches(run.Stdout).Select(m => m.Groups["text"].Value));
        Assert.Equal("server error: idle timeout\nserver closed the connection\n", run.Stderr);
    }

    [Fact]
    public async Task A_missing_reply_is_reported_after_the_timeout_and_the_prompt_returns()
    {
        await using var server = FakeEchoServer.Start(new FakeServerScript { Mute = true });
        var keys = new ScriptedKeys().Type("anyone?").Enter().Type("/quit").Enter();

        var run = await ClientRun.InteractiveAsync(keys, "--port", server.Port.ToString(), "--timeout", "200ms");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("no reply within 200ms", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(ReplyLine().Matches(run.Stdout));
    }

    [GeneratedRegex(@"^(?<text>.*)  \(\d+\.\d\d ms\)$", RegexOptions.Multiline)]
    private static partial Regex ReplyLine();
}
