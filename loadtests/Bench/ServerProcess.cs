using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// One server process of the bench: started (pinned to a CPU when asked: it is forked from a thread pinned there,
/// so it inherits the mask from its first instruction, like <c>taskset -c</c>), ready when it logs
/// <c>listening on ip:port</c> (our models) or accepts a connection (the reference), stopped with SIGTERM and, if it
/// outstays its drain, SIGKILL. Its last output lines are kept for the report when something goes wrong.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 50;
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<string> _command;
    private readonly int? _cpu;
    private readonly ServerOutput _output = new(KeptLines);
    private Process? _process;

    public ServerProcess(IReadOnlyList<string> command, int? cpu)
    {
        _command = command;
        _cpu = cpu;
    }

    public string CommandText => string.Join(' ', _command.Select(w => w.Contains(' ', StringComparison.Ordinal) ? $"'{w}'" : w));

    /// <summary>The process id once started (kept after the process is gone, for the report).</summary>
    public int ProcessId { get; private set; }

    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>Exit code once stopped (128 + signal when a signal ended it).</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Whether it had to be killed after SIGTERM and its drain.</summary>
    public bool Killed { get; private set; }

    public bool HasExited => _process is { HasExited: true };

    public IReadOnlyList<string> LastOutput => _output.Lines;

    /// <summary>Starts it and waits until it logs its listening address.</summary>
    public async Task StartListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var exited = await StartProcessAsync(cancellationToken);
        await Task.WhenAny(_output.Listening, exited).WaitAsync(timeout, cancellationToken);
        EndPoint = _output.Listening.IsCompletedSuccessfully
            ? await _output.Listening
            : throw new LoadSetupException($"'{CommandText}' exited ({_process!.ExitCode}) before listening: {string.Join(" | ", LastOutput.TakeLast(5))}");
    }

    /// <summary>Starts it and waits until <paramref name="endPoint"/> accepts a connection.</summary>
    public async Task StartAcceptingAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var exited = await StartProcessAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (exited.IsCompleted)
            {
                throw new LoadSetupException($"'{CommandText}' exited ({_process!.ExitCode}) before accepting: {string.Join(" | ", LastOutput.TakeLast(5))}");
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint, deadline.Token);
                EndPoint = endPoint;
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused)
            {
                // Not listening yet: poll again shortly. Readiness of a foreign program has no other signal.
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new LoadSetupException($"'{CommandText}' did not accept connections on {endPoint} within {timeout.TotalSeconds:0}s");
            }
        }
    }

    /// <summary>SIGTERM, wait for its drain and a grace period, then SIGKILL. Records the exit code.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            _ = LibC.Kill(process.Id, LinuxConstants.SigTerm);
            try
            {
                await process.WaitForExitAsync().WaitAsync(drain + ExitGrace);
            }
            catch (TimeoutException)
            {
                Killed = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(ExitGrace);
            }
        }

        ExitCode = process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.Zero);
        }
        finally
        {
            _process?.Dispose();
        }
    }

    /// <summary>A free loopback port: bind port 0, read it, close (the reference takes its port on the command line).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task<Task> StartProcessAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in _command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => _output.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => _output.OnLine(e.Data);
        await StartPinnedAsync(process);
        _process = process;
        ProcessId = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Forks from a dedicated thread pinned to the server's CPU, so the child starts with that mask.</summary>
    private Task StartPinnedAsync(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (_cpu is { } cpu && !CpuAffinity.PinCurrentThread(cpu))
                {
                    throw new LoadSetupException($"could not pin the server launcher to CPU {cpu}");
                }

                process.Start();
                started.SetResult();
            }
            catch (Exception ex)
            {
                started.SetException(ex is System.ComponentModel.Win32Exception
                    ? new LoadSetupException($"cannot start '{CommandText}': {ex.Message}")
                    : ex);
            }
        })
        { IsBackground = true, Name = "bench server launcher" };
        thread.Start();
        return started.Task;
    }
}
