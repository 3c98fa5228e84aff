using System.CommandLine;
using EchoServers.Load.Engine;
using EchoServers.Load.Metrics;
using EchoServers.Load.Reports;
using EchoServers.Load.Sweep;

namespace EchoServers.Load.Cli;

/// <summary>
/// <c>echo-load sweep</c>: the highest open-model rate a server sustains under an objective. Exit codes: 0 a capacity
/// was found (or bounded), 1 no rate met the objective, 2 bad input or the first step could not start, 130 Ctrl+C.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var options = new SweepCommandOptions();
        var metrics = new MetricsOptions();
        var command = new Command("sweep", "Find the highest open-model rate that meets an objective (e.g. p99<1ms): geometric steps from --start-rate, then a bisection; "
            + "writes each step, the capacity and a latency-vs-throughput chart. The generator's own ceiling is named, never reported as the server's capacity.");
        foreach (var option in options.All.Concat(metrics.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => ExecuteAsync(options, metrics, parse, cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(SweepCommandOptions definition, MetricsOptions metrics, ParseResult parse, CancellationToken cancellationToken)
    {
        if (!definition.TryBind(parse, out var run, out var settings, out var jsonPath, out var reportDirectory, out var error))
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

        var load = run.Load;
        var describe = $"open model over {load.Connections} connections, {load.Framing.ToString().ToLowerInvariant()} framing, {load.Sizes} B, {load.Arrival.ToString().ToLowerInvariant()} arrivals";
        if (!run.Quiet)
        {
            Console.Out.WriteLine($"== sweep {load.Target}: {settings.ObjectiveText}, from {Format.Rate(settings.StartRate)} msgs/s ×{settings.Factor:0.##}, "
                + $"{settings.StepDuration.TotalSeconds:0.##}s per step after {settings.Warmup.TotalSeconds:0.##}s warm-up");
        }

        var runner = new SweepRunner(settings, SweepRunner.EngineStep(load, settings), step =>
        {
            if (!run.Quiet)
            {
                Console.Out.WriteLine(SweepReport.StepLine(step));
            }
        });

        SweepResult result;
        try
        {
            result = await runner.RunAsync(load.Target.ToString(), load.Target.ToString(), describe, cancellationToken);
        }
        catch (LoadSetupException ex)
        {
            await Console.Error.WriteLineAsync($"echo-load: {ex.Message}");
            return RunCommand.UsageError;
        }

        Console.Out.Write(SweepReport.Text(result));
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, SweepReport.Json(result) + "\n", CancellationToken.None);
        }

        if (reportDirectory is not null)
        {
            SweepReport.WriteDirectory(result, reportDirectory);
        }

        return cancellationToken.IsCancellationRequested ? RunCommand.Interrupted : result.Capacity is null ? RunCommand.AssertionFailed : 0;
    }
}
