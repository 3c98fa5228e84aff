using System.Diagnostics;
using System.Text.Json;
using EchoServers.Tests.Load;

namespace EchoServers.Tests.Distributed;

/// <summary><c>echo-load run --processes N</c> as a real process tree: shares merged exactly, a failed child reported.</summary>
public sealed class RunProcessesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TwoChildProcessesMakeOneMergedResult()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);
        var json = Path.Combine(Path.GetTempPath(), $"fanout-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await RunAsync($"run --target {server.EndPoint} --processes 2 -c 9 --rate 300 -d 2s --warmup 0s --json {json} --assert errors==0");
            Assert.True(exitCode == 0, output);
            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            var root = result.RootElement;
            Assert.Equal(9, root.GetProperty("connections").GetProperty("established").GetInt32());
            Assert.Equal(0, root.GetProperty("errors").GetProperty("total").GetInt64());
            Assert.Equal(root.GetProperty("messages").GetInt64(), root.GetProperty("latencyUs").GetProperty("count").GetInt64());
            Assert.InRange(root.GetProperty("messages").GetInt64(), 590, 610);
            Assert.Equal("inject 300/s for 2s (2 processes)", root.GetProperty("load").GetString());
            Assert.True(root.GetProperty("valid").GetBoolean());

            // The two children shared this machine's cores: the merged CPU % is of those cores, not of twice as many.
            Assert.Equal(Environment.ProcessorCount, root.GetProperty("generator").GetProperty("cores").GetInt32());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task AFailedChildIsReportedNotDropped()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Correct);

        // One connection in two shares: the second share is empty and its process exits with an error.
        var (exitCode, output) = await RunAsync($"run --target {server.EndPoint} --processes 2 -c 1 --rate 10 -d 1s --warmup 0s");
        Assert.Equal(1, exitCode);
        Assert.Contains("share 2/2 failed (exit code 2)", output, StringComparison.Ordinal);
        Assert.Contains("valid         NO", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "echo-load.dll"));
        foreach (var argument in arguments.Split(' '))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
