using System.Diagnostics;
using System.Net;
using EchoServers.Load.Bench;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// A server run as its own process (the real <c>echo-server</c>, under <c>ulimit -n</c> if need be, or anything
/// that logs <c>listening on ip:port</c>), behind <see cref="IEchoServer"/>: the cases that need a process of
/// their own (fd limits, SIGTERM under load, memory of the server alone) reach it like an in-process model.
/// Stopping sends SIGTERM and waits for the exit; a process that outstays its drain is killed.
/// </summary>
public sealed class ProcessEchoServer : IEchoServer
{
    private const int OutputLines = 2000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly ProcessStartInfo _startInfo;
    private readonly ServerOutput _output = new(OutputLines);
    private Process? _process;
    private IPEndPoint? _endPoint;

    /// <summary>Runs <paramref name="startInfo"/> (output is redirected here; do not redirect it yourself).</summary>
    public ProcessEchoServer(ProcessStartInfo startInfo)
    {
        _startInfo = startInfo;
        _startInfo.RedirectStandardOutput = true;
        _startInfo.RedirectStandardError = true;
        _startInfo.UseShellExecute = false;
    }

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint => _endPoint ?? throw new InvalidOperationException("not listening yet");

    /// <summary>The process id, for /proc sampling (RSS, fd count, CPU).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not started");

    /// <summary>The exit code, once the process has exited.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The last lines the process wrote (stdout and stderr interleaved), for diagnostics and log-line counts.</summary>
    public IReadOnlyList<string> Output => _output.Lines;

    /// <summary>Completes with the first line from now on that <paramref name="match"/> accepts.</summary>
    public Task<string> NextOutputLineAsync(Func<string, bool> match) => _output.NextLineAsync(match);

    /// <summary>A shell command line, run by bash (so <c>ulimit -n 256; exec echo-server ...</c> works).</summary>
    public static ProcessEchoServer FromShell(string command) => new(new ProcessStartInfo("bash") { ArgumentList = { "-c", command } });

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var process = new Process { StartInfo = _startInfo };
        process.OutputDataReceived += (_, e) => _output.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => _output.OnLine(e.Data);
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // WaitForExitAsync also waits for the output to be read to its end, so a dying server's last words are in.
        var exited = process.WaitForExitAsync(cancellationToken);
        await Task.WhenAny(_output.Listening, exited).WaitAsync(StartTimeout, cancellationToken);
        if (!_output.Listening.IsCompleted)
        {
            throw new InvalidOperationException($"the server exited ({process.ExitCode}) before listening:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
        }

        _endPoint = await _output.Listening;
    }

    /// <inheritdoc />
    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        await SignalAsync(process.Id, "TERM", cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(drainTimeout + ExitGrace, cancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).WaitAsync(ExitGrace, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.Zero, CancellationToken.None);
        }
        finally
        {
            _process?.Dispose();
        }
    }

    private static async Task SignalAsync(int pid, string signal, CancellationToken cancellationToken)
    {
        // The BCL can receive POSIX signals but not send them; kill(1) avoids a P/Invoke for one call.
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync(cancellationToken).WaitAsync(ExitGrace, cancellationToken);
    }
}
