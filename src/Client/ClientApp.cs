using System.CommandLine;
using EchoServers.Client.Cli;
using EchoServers.Client.Modes;
using EchoServers.Client.Net;

namespace EchoServers.Client;

/// <summary>The whole client behind <c>Main</c>, with its console passed in so tests run it in-process.</summary>
internal static class ClientApp
{
    /// <summary>Runs in pipe mode over the given reader and writers.</summary>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, new ClientConsole(stdin, stdout, stderr), cancellationToken);

    /// <summary>Runs interactively when <see cref="ClientConsole.Keys"/> is set, in pipe mode otherwise; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, ClientConsole console, CancellationToken cancellationToken)
    {
        // Both modes may write status from two tasks at once.
        console = console with { Stderr = TextWriter.Synchronized(console.Stderr) };
        var command = new ClientCommand();
        var parsed = command.Root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, not a page of help: the mistake is what the user needs to see.
            await console.Stderr.WriteLineAsync($"echo-client: {parsed.Errors[0].Message} (see --help)");
            return ExitCodes.Usage;
        }

        var exitCode = ExitCodes.Ok;
        command.Root.SetAction(async (result, token) => exitCode = await RunSessionAsync(command.Bind(result), console, token));
        var invocation = new InvocationConfiguration { Output = console.Stdout, Error = console.Stderr, ProcessTerminationTimeout = null };
        var actionExit = await parsed.InvokeAsync(invocation, cancellationToken);
        await console.Stdout.FlushAsync(CancellationToken.None);
        return actionExit != 0 ? actionExit : exitCode;
    }

    private static async Task<int> RunSessionAsync(ClientOptions options, ClientConsole console, CancellationToken cancellationToken)
    {
        EchoConnection connection;
        try
        {
            connection = await EchoConnection.OpenAsync(options, cancellationToken);
        }
        catch (ClientFailure failure)
        {
            await console.Stderr.WriteLineAsync(failure.Message);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }

        if (connection.TlsSummary is { } tls)
        {
            await console.Stderr.WriteLineAsync(tls);
        }

        await using (connection)
        {
            return console.Keys is { } keys
                ? await new InteractiveMode(options, console, keys).RunAsync(connection, cancellationToken)
                : await new PipeMode(options, console).RunAsync(connection, cancellationToken);
        }
    }
}
