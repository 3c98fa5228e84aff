using System.Runtime.InteropServices;
using System.Text;
using EchoServers.Client.Terminal;

namespace EchoServers.Client;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        // Ctrl+C in pipe mode (and SIGTERM) ends the run through the token; in terminal mode the line editor
        // reads Ctrl+C as a key instead (TreatControlCAsInput), so the prompt can leave cleanly.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        // Pipe mode writes replies in bulk: a buffered stdout flushed by the client, not after every write.
        await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        var stderr = Console.Error;
        IKeySource? keys = null;
        if (!Console.IsInputRedirected)
        {
            Console.TreatControlCAsInput = true;
            keys = new ConsoleKeySource();
        }

        var console = new ClientConsole(Console.In, stdout, stderr, keys);
        var exitCode = await ClientApp.RunAsync(args, console, stop.Token);
        await stdout.FlushAsync(CancellationToken.None);
        return exitCode;
    }
}
