using System.Diagnostics;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// One worker slot of the supervisor, across restarts: the running process, its output (its <c>listening on</c>
/// line taken as the ready signal, its <c>@metrics</c> lines as its totals, everything else forwarded with a
/// <c>[worker i]</c> prefix), and the totals of its earlier, dead incarnations so the group's counters never go back.
/// </summary>
internal sealed class WorkerProcess
{
    private static readonly Lock ConsoleGate = new();

    private readonly WorkerCommandLine _command;
    private readonly int _port;
    private readonly Func<ProcessStartInfo, Process?> _start;
    private readonly Lock _gate = new();
    private Process? _process;
    private MetricsSnapshot _retired;
    private MetricsSnapshot _current;
    private TimeSpan _retiredCpu;
    private TimeSpan _currentCpu;
    private long _lastHeard;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopping;

    /// <summary>A slot; <paramref name="start"/> starts its processes (<see cref="Process.Start(ProcessStartInfo)"/>; tests inject failures).</summary>
    /// <param name="index">1..N.</param>
    /// <param name="command">The worker's program and arguments.</param>
    /// <param name="port">The group's port, passed to the worker.</param>
    /// <param name="start">Starts a process.</param>
    public WorkerProcess(int index, WorkerCommandLine command, int port, Func<ProcessStartInfo, Process?>? start = null)
    {
        Index = index;
        _command = command;
        _port = port;
        _start = start ?? Process.Start;
    }

    /// <summary>1..N.</summary>
    public int Index { get; }

    /// <summary>The current incarnation's process id (0 before the first start).</summary>
    public int ProcessId { get; private set; }

    /// <summary>When the current incarnation started.</summary>
    public DateTime StartedAt { get; private set; }

    /// <summary>Completes when the current incarnation logged <c>listening on</c>.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Whether a process of this slot is running now.</summary>
    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _process is not null;
            }
        }
    }

    /// <summary>The slot's totals: every earlier incarnation's last report plus the running one's.</summary>
    public MetricsSnapshot Totals
    {
        get
        {
            lock (_gate)
            {
                return WorkerReport.Add(_retired, _current);
            }
        }
    }

    /// <summary>The slot's CPU time (user + system): every earlier incarnation's last report plus the running one's.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            lock (_gate)
            {
                return _retiredCpu + _currentCpu;
            }
        }
    }

    /// <summary>Whether the supervisor killed the current (or last) incarnation for writing no report (<see cref="KillIfSilent"/>).</summary>
    public bool KilledAsHung { get; private set; }

    /// <summary>
    /// Kills the running incarnation if it listens, is not stopping, and has written no <c>@metrics</c> line (nor
    /// <c>listening on</c>) for <paramref name="limit"/>: a stopped, deadlocked or starved worker keeps its
    /// <c>SO_REUSEPORT</c> listener, so the kernel would go on handing it connections nobody serves.
    /// </summary>
    /// <returns>Whether it was killed.</returns>
    public bool KillIfSilent(TimeSpan limit)
    {
        lock (_gate)
        {
            if (_process is null || _stopping || KilledAsHung || !_listening.Task.IsCompleted
                || Environment.TickCount64 - Volatile.Read(ref _lastHeard) < (long)limit.TotalMilliseconds)
            {
                return false;
            }

            KilledAsHung = true;
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile: it is restarted as a dead worker would be.
            }

            return true;
        }
    }

    /// <summary>
    /// Starts an incarnation; the task completes with its exit code once its output is read to the end. Throws what
    /// <see cref="Process.Start(ProcessStartInfo)"/> throws (no such program any more, out of processes or memory).
    /// </summary>
    public Task<int> Start()
    {
        var info = new ProcessStartInfo(_command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _command.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[WorkerIdentity.IndexVariable] = Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment[WorkerIdentity.PortVariable] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Process process;
        lock (_gate)
        {
            _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process = _start(info) ?? throw new InvalidOperationException("the worker did not start");
            _process = process;
            ProcessId = process.Id;
            StartedAt = DateTime.UtcNow;
            KilledAsHung = false;
            Volatile.Write(ref _lastHeard, Environment.TickCount64);
            if (_stopping)
            {
                // Stop was requested while this one was being started: it must drain like the rest.
                Signals.Send(process.Id, Signals.SigTerm);
            }
        }

        return RunAsync(process, _listening);
    }

    /// <summary>Asks the running incarnation to stop (SIGTERM: drain, then exit 0); a second call aborts its drain.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            if (_process is { } process)
            {
                Signals.Send(process.Id, Signals.SigTerm);
            }
        }
    }

    /// <summary>Kills the running incarnation at once (start-up failed elsewhere in the group).</summary>
    public void Kill()
    {
        lock (_gate)
        {
            try
            {
                _process?.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }
    }

    private async Task<int> RunAsync(Process process, TaskCompletionSource listening)
    {
        using (process)
        {
            var stdout = PumpAsync(process.StandardOutput, listening);
            var stderr = PumpAsync(process.StandardError, listening: null);
            await Task.WhenAll(stdout, stderr);
            await process.WaitForExitAsync();
            lock (_gate)
            {
                _retired = WorkerReport.Add(_retired, _current with { Active = 0 });
                _current = default;
                _retiredCpu += _currentCpu;
                _currentCpu = default;
                _process = null;
            }

            // Keep the stdin pipe open to the end: its end of file is what tells a worker its supervisor is gone.
            process.StandardInput.Dispose();
            return process.ExitCode;
        }
    }

    private async Task PumpAsync(StreamReader reader, TaskCompletionSource? listening)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (WorkerReport.TryParse(line, out var snapshot, out var cpu))
            {
                lock (_gate)
                {
                    _current = snapshot;
                    _currentCpu = cpu;
                    Volatile.Write(ref _lastHeard, Environment.TickCount64);
                }
            }
            else if (listening is not null && line.Contains("listening on ", StringComparison.Ordinal))
            {
                // The group logs one 'listening on' line, once every worker listens; a worker's own would race it.
                // Its reports start a second later: the silence a hung worker is judged by starts here.
                Volatile.Write(ref _lastHeard, Environment.TickCount64);
                listening.TrySetResult();
            }
            else
            {
                lock (ConsoleGate)
                {
                    Console.Out.WriteLine($"[worker {Index}] {line}");
                }
            }
        }
    }
}
