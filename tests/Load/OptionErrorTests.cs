using EchoServers.Client;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load;

/// <summary>
/// Every command of the three tools rejects a bad value the same way: exit 2 and one line, <c>tool: --name: what is
/// wrong</c>, with the same words for the same kind of value (the parsers are shared).
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class OptionErrorTests
{
    private const string NotADuration = "'5x' is not a duration (e.g. 500ms, 10s, 2m)";

    private static async Task<string> LoadErrorAsync(params string[] args)
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exit = await EchoServers.Load.Program.Main(args).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.Equal(2, exit);
        }
        finally
        {
            Console.SetError(original);
        }

        return Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--duration", "5x", "--duration: " + NotADuration)]
    [InlineData("-d", "0s", "--duration: '0s' is not a positive duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("--warmup", "5x", "--warmup: " + NotADuration)]
    [InlineData("--timeout", "5", "--timeout: '5' is not a duration: it has no unit (ns, us, ms, s, m or h; e.g. 500ms, 10s, 2m)")]
    [InlineData("--connection-lifetime", "0ms", "--connection-lifetime: '0ms' is not a positive duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("--spin", "5x", "--spin: " + NotADuration)]
    [InlineData("--rate", "fast", "--rate: 'fast' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("--rate", "0", "--rate: '0' is not a positive rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("--connect-rate", "5/d", "--connect-rate: '5/d' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("--size", "lots", "--size: 'lots' is not a size (e.g. 64, 64KiB, 1MiB)")]
    [InlineData("-c", "0", "--connections: '0' is not a whole number from 1 to 1000000")]
    [InlineData("--pipeline", "two", "--pipeline: 'two' is not a whole number from 1 to 100000")]
    [InlineData("--messages-per-connection", "0", "--messages-per-connection: '0' is not a whole number from 1 to 2147483647")]
    [InlineData("--processes", "65", "--processes: '65' is not a whole number from 1 to 64")]
    [InlineData("--framing", "xml", "--framing: 'xml' is not one of raw, line, length")]
    [InlineData("--arrival", "bursty", "--arrival: 'bursty' is not one of even, poisson")]
    public async Task Run_rejects_a_bad_value_with_one_line(string option, string value, string expected) =>
        Assert.Equal($"echo-load: {expected}", await LoadErrorAsync("run", "--target", "127.0.0.1:9", option, value));

    [Theory]
    [InlineData("--step-duration", "5x", "--step-duration: " + NotADuration)]
    [InlineData("--start-rate", "0", "--start-rate: '0' is not a positive rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("--max-rate", "lots", "--max-rate: 'lots' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    [InlineData("--precision", "150%", "--precision: '150%' is not a share between 0% and 100% (e.g. 5% or 0.05)")]
    [InlineData("--step-factor", "1", "--step-factor: '1' is not a number from 1.01 to 100")]
    [InlineData("--confirm", "11", "--confirm: '11' is not a whole number from 0 to 10")]
    [InlineData("--warmup", "5x", "--warmup: " + NotADuration)]
    public async Task Sweep_rejects_a_bad_value_with_one_line(string option, string value, string expected) =>
        Assert.Equal($"echo-load: {expected}", await LoadErrorAsync("sweep", "--target", "127.0.0.1:9", "--objective", "p99<1ms", option, value));

    [Theory]
    [InlineData("--duration", "5x", "--duration: " + NotADuration)]
    [InlineData("--jit-warmup", "5x", "--jit-warmup: " + NotADuration)]
    [InlineData("--passes", "0", "--passes: '0' is not a whole number from 1 to 1000")]
    [InlineData("--sweep-start-rate", "fast", "--sweep-start-rate: 'fast' is not a rate (e.g. 500, 0.5/s, 30/m)")]
    public async Task Bench_rejects_a_bad_value_with_one_line(string option, string value, string expected) =>
        Assert.Equal($"echo-load: {expected}", await LoadErrorAsync("bench", option, value));

    [Fact]
    public async Task Compare_and_merge_reject_a_bad_value_with_one_line()
    {
        Assert.Equal("echo-load: --max-regression: 'five' is not a share (e.g. 5% or 0.05)", await LoadErrorAsync("compare", "a.json", "b.json", "--max-regression", "five"));
        Assert.StartsWith("echo-load: ", await LoadErrorAsync("merge", "a.json", "--bogus"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_and_client_say_it_in_the_same_words()
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            Assert.Equal(2, await EchoServers.Servers.Program.Main(["--idle-timeout", "5x"]));
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal($"echo-server: --idle-timeout: {NotADuration} (see --help)", stderr.ToString().TrimEnd());

        using var clientErrors = new StringWriter();
        var console = new ClientConsole(new StringReader(string.Empty), TextWriter.Null, clientErrors, null);
        Assert.Equal(2, await ClientApp.RunAsync(["--timeout", "5x"], console, TestContext.Current.CancellationToken));
        Assert.Equal($"echo-client: --timeout: {NotADuration} (see --help)", clientErrors.ToString().TrimEnd());
    }
}
