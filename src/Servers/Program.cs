using System.CommandLine;
using EchoServers.Servers.Hosting.Cli;
using EchoServers.Servers.Hosting.Processes;

namespace EchoServers.Servers;

internal static class Program
{
    /// <summary>Exit codes: 0 stopped cleanly, 1 could not run (port in use, model unsupported), 2 bad command line, 3 a loop thread crashed.</summary>
    public static async Task<int> Main(string[] args)
    {
        var command = new ServerCommand();
        var parse = command.Root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"echo-server: {parse.Errors[0].Message} (see --help)");
            return 2;
        }

        command.Root.SetAction((result, _) => command.BindProcesses(result) > 1 && WorkerIdentity.Current is null
            ? ProcessSupervisor.RunAsync(command.BindServerOptions(result), command.BindProcesses(result), args, command.BindLoggingOptions(result), command.BindMetricsExport(result))
            : ServerRunner.RunAsync(command.BindServerOptions(result), command.BindLoggingOptions(result), command.BindMetricsExport(result)));

        // The runner owns SIGINT/SIGTERM (drain, then exit 0); System.CommandLine must not race it.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
