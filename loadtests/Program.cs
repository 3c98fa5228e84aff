using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EchoServers.Load.Cli;

// Hot paths use stackalloc scratch they overwrite entirely; zeroing it first is wasted work per message.
[module: SkipLocalsInit]

namespace EchoServers.Load;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("echo-load: a many-connection load generator for echo servers (NBomber's vocabulary, no coordinated omission).")
        {
            RunCommand.Create(),
            BenchCommand.Create(),
            SweepCommand.Create(),
            CompareCommand.Create(),
            MergeCommand.Create(),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per problem, not a screen of help: the help is one --help away.
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"echo-load: {error.Message}");
            }

            return RunCommand.UsageError;
        }

        // Ctrl+C ends the run early but still prints the summary and writes the files (marked invalid); the
        // library's own handling would exit with 130 before the summary, so the signals are handled here.
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
