using System.CommandLine;
using EchoServers.Load.Distributed;
using EchoServers.Load.Engine;
using EchoServers.Load.Metrics;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Cli;

/// <summary><c>echo-load run</c>: the options, their binding, and what happens after the run (outputs, assertions, exit code).</summary>
internal static class RunCommand
{
    /// <summary>Exit code when an assertion failed.</summary>
    public const int AssertionFailed = 1;

    /// <summary>Exit code for bad input or a run that could not start.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl+C (the summary and files are still written, the result marked invalid).</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var options = new RunCommandOptions();
        var distributed = new DistributedRunOptions();
        var metrics = new MetricsOptions();
        var command = new Command("run", "Load an echo server with many connections; verify every reply; measure latency and throughput.");
        foreach (var option in options.All.Concat(distributed.All).Concat(metrics.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => ExecuteAsync(options, distributed, metrics, parse, cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(RunCommandOptions definition, DistributedRunOptions distributed, MetricsOptions metrics, ParseResult parse, CancellationToken cancellationToken)
    {
        if (!definition.TryBind(parse, out var bound, out var error) || !distributed.TryApply(parse, ref bound, out var processes, out error))
        {
            await Console.Error.WriteLineAsync($"echo-load: {error}");
            return UsageError;
        }

        if (processes > 1 && metrics.Requested(parse))
        {
            // Each share counts in its own process; a group endpoint for them is not built.
            await Console.Error.WriteLineAsync("echo-load: --metrics-port does not go with --processes: run one process, or scrape the server");
            return UsageError;
        }

        if (processes > 1)
        {
            return await ProcessFanOut.RunAsync(bound, processes, cancellationToken);
        }

        if (!metrics.TryStart(parse, out var endpoint, out error))
        {
            await Console.Error.WriteLineAsync($"echo-load: {error}");
            return UsageError;
        }

        await using var metricsEndpoint = endpoint;

        IProgressSink progress = bound.Quiet
            ? NullProgressSink.Instance
            : Console.IsOutputRedirected || bound.Plain
                ? new PlainProgressSink(Console.Out)
                : new LiveProgressSink();
        LoadResult result;
        var startedUtc = DateTime.UtcNow;
        try
        {
            result = await LoadRunner.RunAsync(bound.Load, progress, cancellationToken);
        }
        catch (LoadSetupException ex)
        {
            progress.OnFinished();
            await Console.Error.WriteLineAsync($"echo-load: {ex.Message}");
            return UsageError;
        }

        if (progress is LiveProgressSink live)
        {
            await live.Completion;
        }

        Console.Out.Write(SummaryText.Format(result));
        WriteOutputs(bound, result, startedUtc);
        var failed = 0;
        foreach (var assertion in bound.Assertions)
        {
            if (!assertion.Holds(result, out var actual))
            {
                failed++;
                await Console.Error.WriteLineAsync($"assertion {assertion.Describe(actual)}");
            }
        }

        if (bound.Assertions.Count > 0 && failed == 0)
        {
            Console.Out.WriteLine($"assertions    all {bound.Assertions.Count} passed");
        }

        return failed > 0 ? AssertionFailed : cancellationToken.IsCancellationRequested ? Interrupted : 0;
    }

    private static void WriteOutputs(BoundRunOptions bound, LoadResult result, DateTime startedUtc)
    {
        if (bound.JsonPath is { } json)
        {
            JsonReport.Write(result, json);
        }

        if (bound.CsvPath is { } csv)
        {
            CsvReport.Write(result, csv);
        }

        if (bound.HdrPath is { } hdr)
        {
            HdrLogReport.Write(result, hdr, startedUtc);
        }

        if (bound.ReportDirectory is { } directory)
        {
            HtmlReport.WriteDirectory(result, directory);
        }
    }
}
