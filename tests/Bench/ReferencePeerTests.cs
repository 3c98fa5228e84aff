using System.Text.Json;
using EchoServers.Load.Bench;
using EchoServers.Load.Engine;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Bench;

/// <summary>
/// The reference servers of the repository's reference/ folder as bench rows: named on --reference, built by their
/// toolchain into a cache folder (again only when the source changed), and run beside a model in a real bench.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ReferencePeerTests
{
    private static readonly IReadOnlyList<BenchModel> Async = [new BenchModel("async", "async", [])];

    [Fact]
    public void Named_references_and_commands_become_rows_in_the_order_given()
    {
        Assert.True(BenchReferences.TryParse(["c", "go,dotnetty", "'/opt/my echo' -x {port}"], Async, out var rows, out var builds, out var error), error);

        Assert.Equal(["c", "go", "dotnetty", "my echo"], rows.Select(r => r.Label));
        Assert.All(rows, r => Assert.True(r.IsReference));
        Assert.Equal(["c", "go", "dotnetty"], builds.Select(b => b.Peer.Name));
        var repository = builds[0].Repository;
        Assert.True(File.Exists(Path.Combine(repository, "reference", "c", "epoll-echo.c")));
        Assert.Equal($"'{Path.Combine(repository, "artifacts", "reference", "c", "epoll-echo")}' {{port}}", rows[0].ReferenceCommand);
        Assert.StartsWith("dotnet '", rows[2].ReferenceCommand, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rust", "neither a known reference (c, go, dotnetty) nor a command with {port}")]
    [InlineData("c,c", "'c' is a row twice")]
    [InlineData("/opt/async {port}", "'async' is a row twice")]
    public void Mistakes_get_one_line(string value, string expected)
    {
        Assert.False(BenchReferences.TryParse([value], Async, out _, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task The_c_reference_is_built_once_into_the_cache_and_again_when_its_source_is_newer()
    {
        var repository = ReferenceBuild.FindRepository(AppContext.BaseDirectory);
        Assert.NotNull(repository);
        var cache = Directory.CreateTempSubdirectory("reference-cache").FullName;
        try
        {
            var build = new ReferenceBuild(ReferencePeer.C, repository, cache);
            Assert.False(build.UpToDate);

            await build.EnsureBuiltAsync(TextWriter.Null, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            var program = new FileInfo(ReferencePeer.C.ProgramIn(cache));
            Assert.True(program.Exists);
            Assert.True(build.UpToDate);
            Assert.Equal([program.Name], Directory.GetFiles(program.DirectoryName!).Select(Path.GetFileName)); // no temporary file left

            // A program older than its source is rebuilt; an up-to-date one is left alone.
            File.SetLastWriteTimeUtc(program.FullName, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Assert.False(build.UpToDate);
            var said = new StringWriter();
            await build.EnsureBuiltAsync(said, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            Assert.Contains("building the c reference (gcc)", said.ToString(), StringComparison.Ordinal);
            Assert.True(build.UpToDate);
            var built = File.GetLastWriteTimeUtc(program.FullName);
            await build.EnsureBuiltAsync(TextWriter.Null, TestContext.Current.CancellationToken);
            Assert.Equal(built, File.GetLastWriteTimeUtc(program.FullName));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_toolchain_is_one_line_that_says_how_to_get_it()
    {
        var repository = ReferenceBuild.FindRepository(AppContext.BaseDirectory)!;
        var cache = Directory.CreateTempSubdirectory("reference-cache").FullName;
        try
        {
            var peer = ReferencePeer.C with { Toolchain = "no-such-compiler-here", Install = "apt-get install no-such-compiler" };
            var missing = await Assert.ThrowsAsync<LoadSetupException>(() => new ReferenceBuild(peer, repository, cache).EnsureBuiltAsync(TextWriter.Null, TestContext.Current.CancellationToken));
            Assert.Equal(
                "--reference c: no-such-compiler-here is not installed, so it cannot be built (apt-get install no-such-compiler; scripts/build-references.sh builds every reference whose toolchain is present)",
                missing.Message);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task A_bench_builds_and_runs_the_c_reference_beside_a_model()
    {
        // The real command, in process: --reference c builds the repository's C server (gcc is part of the setup) into
        // artifacts/reference and runs it as the row ratios are to; one short cell, not pinned (the test host shares cores).
        var directory = Directory.CreateTempSubdirectory("bench-reference").FullName;
        try
        {
            var exit = await EchoServers.Load.Program.Main(
                ["bench", "--quick", "--models", "eventloop", "--cells", "c50", "-d", "1s", "--warmup", "200ms", "--jit-warmup", "300ms", "--no-pin",
                 "--reference", "c", "--out", directory])
                .WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);

            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "bench.json"), TestContext.Current.CancellationToken));
            Assert.Equal("c", json.RootElement.GetProperty("reference").GetString());
            var c = json.RootElement.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("model").GetString() == "c");
            Assert.Equal(0, c.GetProperty("result").GetProperty("errors").GetProperty("total").GetInt64());
            Assert.True(c.GetProperty("messagesPerSecond").GetDouble() > 0);
            Assert.True(c.GetProperty("serverCpuUsPerMessage").GetDouble() > 0);
            var eventLoop = json.RootElement.GetProperty("summaries").EnumerateArray().Single(s => s.GetProperty("model").GetString() == "eventloop");
            Assert.True(eventLoop.GetProperty("ratioToReference").GetProperty("median").GetDouble() > 0);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
