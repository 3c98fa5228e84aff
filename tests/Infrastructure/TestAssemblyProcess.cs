using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EchoServers.Tests.Infrastructure;

/// <summary>
/// Runs some of this test assembly's own tests in a new process (xunit v3 assemblies are their own runners), for
/// settings the runtime reads once per process, such as environment switches read by a static constructor.
/// </summary>
internal static partial class TestAssemblyProcess
{
    /// <summary>The outcome: the runner's exit code, its output, and its totals.</summary>
    public sealed record Result(int ExitCode, string Output, int Total, int Failed, int Skipped);

    /// <summary>Runs the tests named by <paramref name="methods"/> (fully qualified, e.g. <c>Ns.Class.Method</c>) with <paramref name="environment"/> added.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> methods, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        // Under `dotnet test` the host path is given; run the assembly through the same dotnet.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var startInfo = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("exec");
        startInfo.ArgumentList.Add(typeof(TestAssemblyProcess).Assembly.Location);
        foreach (var method in methods)
        {
            startInfo.ArgumentList.Add("-method");
            startInfo.ArgumentList.Add(method);
        }

        // A skip would mean the case did not run where it was meant to.
        foreach (var option in new[] { "-failSkips", "-noColor", "-noLogo", "-noAutoReporters" })
        {
            startInfo.ArgumentList.Add(option);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {dotnet}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the test process did not finish within {timeout}:{Environment.NewLine}{await stdout}");
        }

        var output = await stdout + await stderr;
        var totals = Totals().Match(output);
        return totals.Success
            ? new Result(process.ExitCode, output, int.Parse(totals.Groups["total"].Value), int.Parse(totals.Groups["failed"].Value), int.Parse(totals.Groups["skipped"].Value))
            : new Result(process.ExitCode, output, 0, 0, 0);
    }

    [GeneratedRegex(@"Total: (?<total>\d+), Errors: \d+, Failed: (?<failed>\d+), Skipped: (?<skipped>\d+)")]
    private static partial Regex Totals();
}
