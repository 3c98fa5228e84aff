using EchoServers.Client;

namespace EchoServers.Tests.Client;

/// <summary>One in-process run of echo-client: exit code and everything it wrote.</summary>
internal sealed record ClientRun(int ExitCode, string Stdout, string Stderr)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public string[] StdoutLines => Stdout.Split('\n')[..^1];

    /// <summary>Pipe mode: <paramref name="stdin"/> is the redirected input.</summary>
    public static Task<ClientRun> PipeAsync(string stdin, params string[] args) =>
        RunAsync(args, new StringReader(stdin), keys: null);

    /// <summary>Pipe mode with a stdin of the caller's making (e.g. one that stalls).</summary>
    public static Task<ClientRun> PipeAsync(TextReader stdin, params string[] args) =>
        RunAsync(args, stdin, keys: null);

    /// <summary>Terminal mode, driven by <paramref name="keys"/>.</summary>
    public static Task<ClientRun> InteractiveAsync(ScriptedKeys keys, params string[] args) =>
        RunAsync(args, TextReader.Null, keys);

    private static async Task<ClientRun> RunAsync(string[] args, TextReader stdin, ScriptedKeys? keys)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var deadline = new CancellationTokenSource(Deadline);
        var console = new ClientConsole(stdin, stdout, stderr, keys);
        var exitCode = await ClientApp.RunAsync(args, console, deadline.Token).WaitAsync(Deadline + TimeSpan.FromSeconds(5));
        Assert.False(deadline.IsCancellationRequested, $"echo-client did not finish within {Deadline}; stderr: {stderr}");
        return new ClientRun(exitCode, stdout.ToString(), stderr.ToString());
    }
}
