namespace EchoServers.Tests.Client;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "70000")]
    [InlineData("--framing", "json")]
    [InlineData("--timeout", "5")]
    [InlineData("--max-frame", "lots")]
    [InlineData("--max-frame", "1GiB")]
    [InlineData("--bogus")]
    public async Task Bad_flags_give_one_line_and_exit_code_2(params string[] args)
    {
        var run = await ClientRun.PipeAsync(string.Empty, args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.StartsWith("echo-client: ", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Help_lists_the_options_with_defaults_and_examples()
    {
        var run = await ClientRun.PipeAsync(string.Empty, "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var expected in new[] { "--host", "--port", "--framing <line|length|raw>", "[default: 5s]", "[default: 64KiB]", "Examples:", "printf 'a\\nb\\n' | echo-client" })
        {
            Assert.Contains(expected, run.Stdout, StringComparison.Ordinal);
        }
    }
}
