using System.CommandLine;
using System.Text.Json;
using EchoServers.Load.Bench;
using EchoServers.Load.Cli;
using EchoServers.Load.Engine;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Bench;

/// <summary>The bench command line: defaults, --quick, mistakes; finding echo-server; and one real bench, in process.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class BenchCommandTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 17, 5, 0, DateTimeKind.Utc);

    private static bool Bind(out BenchSettings settings, out string error, params string[] args)
    {
        var options = new BenchCommandOptions();
        var command = new RootCommand();
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        // A bad value is the parser's error (as echo-load prints it); how the options go together, TryBind's.
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0)
        {
            settings = null!;
            error = Assert.Single(parse.Errors).Message;
            return false;
        }

        return options.TryBind(parse, Now, out settings, out error);
    }

    [Fact]
    public void Defaults_are_every_model_and_cell_three_passes_of_3s_after_1s()
    {
        Assert.True(Bind(out var s, out var error), error);
        Assert.Equal(["threads", "pool", "async", "eventloop", "kestrel"], s.Models.Select(m => m.Label));
        Assert.Equal(BenchCells.All.Where(c => !c.OptIn), s.Cells); // c100k only when named
        Assert.Equal((3, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), (s.Passes, s.Duration, s.Warmup, s.JitWarmup));
        Assert.Equal(Path.Combine("bench-results", "20261126-170500"), s.OutDirectory);
        Assert.True(s.Pin);
        Assert.False(s.Quick);
        Assert.Empty(s.References);
    }

    [Fact]
    public void Quick_is_two_cells_one_pass_of_2s_with_a_pool_that_serves_its_50_connections()
    {
        Assert.True(Bind(out var s, out var error, "--quick", "--reference", "/tmp/c-epoll-echo {port}"), error);
        Assert.Equal(["threads", "pool(64)", "async", "eventloop", "kestrel", "c-epoll-echo"], s.Rows.Select(m => m.Label));
        Assert.Equal(BenchCells.QuickNames, s.Cells.Select(c => c.Name));
        Assert.Equal((1, TimeSpan.FromSeconds(2)), (s.Passes, s.Duration));
        Assert.True(s.Quick);
    }

    [Fact]
    public void Explicit_options_win_over_quick_defaults()
    {
        Assert.True(Bind(out var s, out var error, "--quick", "--models", "async", "--cells", "c1", "--passes", "2", "-d", "500ms",
            "--server-cmd", "dotnet '/x y/echo-server.dll'", "--no-pin", "--out", "o"), error);
        Assert.Equal(["async"], s.Models.Select(m => m.Label));
        Assert.Equal(["dotnet", "/x y/echo-server.dll"], s.ServerCommand);
        Assert.Equal((2, TimeSpan.FromMilliseconds(500), false, "o"), (s.Passes, s.Duration, s.Pin, s.OutDirectory));
    }

    [Theory]
    [InlineData("--passes 0", "--passes: '0' is not a whole number from 1 to 1000")]
    [InlineData("--duration 0s", "--duration: '0s' is not a positive duration")]
    [InlineData("--warmup 5", "--warmup")]
    [InlineData("--reference /tmp/c-epoll-echo", "{port}")]
    [InlineData("--models fibers", "unknown model")]
    [InlineData("--cells c3", "unknown cell")]
    public void Mistakes_get_one_line(string args, string expected)
    {
        Assert.False(Bind(out _, out var error, args.Split(' ')));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Echo_server_is_found_next_to_echo_load_or_in_the_repository_layout()
    {
        // The test output holds echo-server (the test project references it): found in the own directory.
        Assert.EndsWith("echo-server", ServerLocator.Resolve(AppContext.BaseDirectory)[0], StringComparison.Ordinal);

        var root = Directory.CreateTempSubdirectory("bench-locator").FullName;
        try
        {
            var own = Directory.CreateDirectory(Path.Combine(root, "loadtests", "bin", "Debug", "net10.0")).FullName;
            var servers = Directory.CreateDirectory(Path.Combine(root, "src", "Servers", "bin", "Debug", "net10.0")).FullName;
            var missing = Assert.Throws<LoadSetupException>(() => ServerLocator.Resolve(own));
            Assert.Contains("--server-cmd", missing.Message, StringComparison.Ordinal);
            Assert.Contains(servers, missing.Message, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(servers, "echo-server.dll"), string.Empty);
            Assert.Equal(Path.Combine(servers, "echo-server.dll"), ServerLocator.Resolve(own)[^1]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_quick_bench_of_one_model_against_a_reference_has_no_errors_and_writes_the_report()
    {
        // The real command, in process: echo-server (async) from the test output, and the eventloop model started
        // through --reference as a stand-in external server; one short cell, not pinned (the test host shares cores).
        var directory = Directory.CreateTempSubdirectory("bench-smoke").FullName;
        var echoServer = Path.Combine(AppContext.BaseDirectory, "echo-server");
        try
        {
            var exit = await EchoServers.Load.Program.Main(
                ["bench", "--quick", "--models", "async", "--cells", "c50", "-d", "1s", "--warmup", "200ms", "--jit-warmup", "300ms", "--no-pin",
                 "--reference", $"{echoServer} --model eventloop --stats-interval 0 --port {{port}}", "--out", directory])
                .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "bench.json"), TestContext.Current.CancellationToken));
            var runs = json.RootElement.GetProperty("runs");
            Assert.Equal(2, runs.GetArrayLength());
            Assert.All(runs.EnumerateArray(), run =>
            {
                Assert.Equal(0, run.GetProperty("result").GetProperty("errors").GetProperty("total").GetInt64());
                Assert.True(run.GetProperty("messagesPerSecond").GetDouble() > 0);
                Assert.True(run.GetProperty("serverCpuUsPerMessage").GetDouble() > 0);
            });
            var async = json.RootElement.GetProperty("summaries").EnumerateArray().Single(s => s.GetProperty("model").GetString() == "async");
            Assert.True(async.GetProperty("ratioToReference").GetProperty("median").GetDouble() > 0);
            Assert.All(json.RootElement.GetProperty("servers").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("exitCode").GetInt32()));
            Assert.True(File.Exists(Path.Combine(directory, "bench.md")));
            Assert.True(File.Exists(Path.Combine(directory, "bench.html")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
