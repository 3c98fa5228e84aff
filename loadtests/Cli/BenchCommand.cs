using System.CommandLine;
using EchoServers.Load.Bench;
using EchoServers.Load.Engine;
using EchoServers.Load.Metrics;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Cli;

/// <summary><c>echo-load bench</c>: every model side by side, one report. Exit codes as <c>run</c>'s.</summary>
internal static class BenchCommand
{
    /// <summary>Exit code when runs failed (server did not start or died), or in --quick mode any error.</summary>
    public const int Failed = 1;

    public static Command Create()
    {
        var options = new BenchCommandOptions();
        var metrics = new MetricsOptions();
        var command = new Command("bench", "Start each server model (from this build) and the optional --reference, run the same cells against each in interleaved passes, write one report (Markdown, HTML, JSON).");
        foreach (var option in options.All.Concat(metrics.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => ExecuteAsync(options, metrics, parse, cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(BenchCommandOptions definition, MetricsOptions metrics, ParseResult parse, CancellationToken cancellationToken)
    {
        if (!definition.TryBind(parse, DateTime.UtcNow, out var settings, out var error))
        {
            await Console.Error.WriteLineAsync($"echo-load: {error}");
            return RunCommand.UsageError;
        }

        if (!metrics.TryStart(parse, out var endpoint, out error))
        {
            await Console.Error.WriteLineAsync($"echo-load: {error}");
            return RunCommand.UsageError;
        }

        await using var metricsEndpoint = endpoint;

        settings = settings with { CommandLineText = "echo-load " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(Quote)) };
        BenchResult result;
        try
        {
            foreach (var build in settings.ReferenceBuilds)
            {
                await build.EnsureBuiltAsync(Console.Error, cancellationToken);
            }

            result = await new BenchRunner(settings, Console.Error).RunAsync(cancellationToken);
        }
        catch (LoadSetupException ex)
        {
            await Console.Error.WriteLineAsync($"echo-load: {ex.Message}");
            return RunCommand.UsageError;
        }

        BenchReport.WriteDirectory(result, settings.OutDirectory);
        Console.Out.Write(BenchMarkdownReport.Table(result));
        Console.Out.WriteLine($"report: {Path.Combine(settings.OutDirectory, BenchReport.MarkdownFile)}, {BenchReport.HtmlFile}, {BenchReport.JsonFile}");
        var problems = Problems(result, settings.Quick);
        foreach (var problem in problems)
        {
            await Console.Error.WriteLineAsync($"bench: {problem}");
        }

        return cancellationToken.IsCancellationRequested ? RunCommand.Interrupted : problems.Count > 0 ? Failed : 0;
    }

    /// <summary>What makes the bench fail: runs that could not be made, servers that died or would not stop; in quick mode also any error.</summary>
    public static IReadOnlyList<string> Problems(BenchResult result, bool quick)
    {
        var problems = new List<string>();
        problems.AddRange(result.Runs.Where(r => r.Error is not null).Select(r => $"{r.Cell} / {r.Model} pass {r.Pass} did not run: {r.Error}"));
        problems.AddRange(result.Servers.Where(s => s.Killed || s.Error is not null)
            .Select(s => $"server {s.Model} {s.Work}: {s.Error ?? "killed after its drain"}"));
        if (quick)
        {
            var ours = result.Models.Except(result.References).ToHashSet();
            problems.AddRange(result.Servers.Where(s => ours.Contains(s.Model) && s.ExitCode is not (null or 0))
                .Select(s => $"server {s.Model} exited with {s.ExitCode} after SIGTERM (0 expected)"));
            problems.AddRange(result.Runs.Where(r => r.ErrorCount > 0 || r.Result is { Valid: false })
                .Select(r => $"{r.Cell} / {r.Model}: {r.ErrorCount} errors{(r.Result is { Valid: false } ? ", invalid" : string.Empty)} (--quick requires none)"));
        }

        return problems;
    }

    private static string Quote(string word) => word.Contains(' ', StringComparison.Ordinal) ? $"\"{word}\"" : word;
}
