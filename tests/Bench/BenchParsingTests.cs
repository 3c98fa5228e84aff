using EchoServers.Load.Bench;

namespace EchoServers.Tests.Bench;

/// <summary>--models, --cells and command-line splitting.</summary>
public sealed class BenchParsingTests
{
    [Fact]
    public void Cells_parse_in_the_given_order_case_insensitively()
    {
        Assert.True(BenchCells.TryParse("c50, C50P16 ,c1000,c10000", out var cells, out var error), error);
        Assert.Equal(["c50", "c50p16", "c1000", "c10000"], cells.Select(c => c.Name));
        Assert.Equal(16, cells[1].Pipeline);
        Assert.Equal(10_000, cells[3].Connections);
    }

    [Theory]
    [InlineData("c50,c7", "unknown cell 'c7'")]
    [InlineData("c50,c50", "'c50' is listed twice")]
    [InlineData(" , ", "no cell")]
    public void Bad_cell_lists_say_what_is_wrong(string text, string expected)
    {
        Assert.False(BenchCells.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static readonly BenchSettings Settings = new() { Models = [], Cells = [], OutDirectory = "." };

    [Fact]
    public void The_catalogue_has_unique_names_and_the_issue_7_default_cells()
    {
        var names = BenchCells.All.Select(c => c.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.All(BenchCells.QuickNames.Concat(BenchCells.TargetNames), n => Assert.Contains(n, names));
        var byName = BenchCells.All.ToDictionary(c => c.Name);
        string[] closed = ["c1", "c50", "c1000", "c10000"];
        Assert.Equal([1, 50, 1000, 10_000], closed.Select(n => byName[n].Connections));
        Assert.Equal(4096, byName["c50x4k"].Size);
        Assert.Equal(20_000, byName["rate20k"].Rate);
        Assert.Equal(["cpu:50us", "cpu:50us", "io:5ms", "io:5ms"], BenchCells.All.Where(c => c.Work is not null).Select(c => c.Work));
        Assert.True(byName["idle10k"].Idle);
        string[] storms = ["storm1000", "storm10000"];
        Assert.Equal([1000, 10_000], storms.Select(n => byName[n].Connections));
        Assert.All(BenchCells.All, c => Assert.Equal(c.Name.StartsWith("storm", StringComparison.Ordinal), c.Storm));
        var target = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1);
        Assert.Equal(EchoServers.Load.Engine.StartMode.Immediate, byName["storm1000"].ToLoadOptions(target, Settings).Start);
        Assert.Equal(EchoServers.Load.Engine.StartMode.Together, byName["c1000"].ToLoadOptions(target, Settings).Start);
    }

    [Fact]
    public void C100k_is_a_long_multi_process_cell_run_only_when_named()
    {
        var c100k = BenchCells.All.Single(c => c.Name == "c100k");
        Assert.Equal(100_000, c100k.Connections);
        Assert.Equal(20_000, c100k.Rate); // one message per connection every 5 s
        Assert.Equal(6, c100k.Processes);
        Assert.False(c100k.ReferenceCanJoin);
        Assert.Equal(TimeSpan.FromSeconds(60), c100k.DurationIn(Settings));
        Assert.DoesNotContain("c100k", BenchCells.DefaultNames);
        Assert.Equal(BenchCells.All.Count - 1, BenchCells.DefaultNames.Count);

        var target = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 4242);
        var run = string.Join(' ', FanOutStep.Arguments(c100k, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), target));
        Assert.Equal("run --target 127.0.0.1:4242 -c 100000 -s 64 -d 60000ms --warmup 10000ms --start together --timeout 30000ms "
            + "--first-reply-timeout 30000ms --connect-timeout 10s --plain --rate 20000", run);
    }

    [Fact]
    public void Models_parse_with_pool_at_its_defaults_or_with_n_workers()
    {
        Assert.True(BenchModel.TryParseList("threads,pool,pool:64,Async,eventloop,kestrel", out var models, out var error), error);
        Assert.Equal(["threads", "pool", "pool(64)", "async", "eventloop", "kestrel"], models.Select(m => m.Label));
        Assert.Empty(models[1].ExtraArgs);
        Assert.Equal(BenchModel.PoolDefaultWorkers, models[1].MaxServed);
        Assert.Equal(["--workers", "64"], models[2].ExtraArgs);
        Assert.Equal("pool", models[2].Model);
        Assert.Null(models[0].MaxServed);
        Assert.All(models, m => Assert.False(m.IsReference));
    }

    [Fact]
    public void Async_and_kestrel_take_a_transport_and_keep_it_in_the_label()
    {
        Assert.True(BenchModel.TryParseList("async:sockets,async:epoll,kestrel:EPOLL,async", out var models, out var error), error);
        Assert.Equal(["async:sockets", "async:epoll", "kestrel:epoll", "async"], models.Select(m => m.Label));
        Assert.Equal(["async", "async", "kestrel", "async"], models.Select(m => m.Model));
        Assert.Equal(["--transport", "sockets"], models[0].ExtraArgs);
        Assert.Equal(["--transport", "epoll"], models[2].ExtraArgs);
        Assert.Empty(models[3].ExtraArgs);
    }

    [Theory]
    [InlineData("async:uring", "async:sockets or async:epoll")]
    [InlineData("threads,fibers", "unknown model 'fibers'")]
    [InlineData("pool:0", "pool:N with N from 1 to 10000")]
    [InlineData("threads:4", "only pool takes a worker count")]
    [InlineData("async,async", "'async' is listed twice")]
    public void Bad_model_lists_say_what_is_wrong(string text, string expected)
    {
        Assert.False(BenchModel.TryParseList(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reference_is_labelled_by_its_program_and_skips_work_cells()
    {
        var reference = BenchModel.Reference("/tmp/c-epoll-echo {port}");
        Assert.Equal("c-epoll-echo", reference.Label);
        Assert.True(reference.IsReference);
        Assert.True(reference.CanRun(BenchCells.All.First(c => c.Name == "c50p16")));
        Assert.False(reference.CanRun(BenchCells.All.First(c => c.Name == "io-c50")));
    }

    [Fact]
    public void Command_lines_split_on_spaces_and_keep_quoted_words_whole()
    {
        Assert.Equal(["dotnet", "/a b/echo-server.dll", "--x", "it's", ""], CommandLine.Split("  dotnet '/a b/echo-server.dll'  --x \"it's\" ''"));
        Assert.Empty(CommandLine.Split("   "));
    }
}
