using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Servers.Hosting.Cli;
using EchoServers.Servers.Hosting.Metrics;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// <c>echo-server --processes N</c>: N worker processes of this program on one port (SO_REUSEPORT, the kernel
/// spreads connections over them), started, watched and restarted by this one. It serves no connection itself;
/// it reserves the port (<see cref="PortReservation"/>), logs <c>listening on</c> once every worker listens, restarts
/// a worker that dies or hangs (<see cref="HungWorkers"/>; with <see cref="RestartBackoff"/>, one line per restart), relays SIGINT/SIGTERM to every
/// worker as SIGTERM so each drains, logs one stats line summed over the workers, and exits 0 when all have.
/// </summary>
internal sealed class ProcessSupervisor : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long past its drain timeout a stopping worker may take to exit before it is killed.</summary>
    internal static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    private readonly ServerOptions _options;
    private readonly int _processes;
    private readonly WorkerCommandLine _command;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private WorkerProcess[] _workers = [];
    private int _restarts;

    internal ProcessSupervisor(ServerOptions options, int processes, WorkerCommandLine command, ILogger logger)
    {
        _options = options;
        _processes = processes;
        _command = command;
        _logger = logger;
    }

    public static async Task<int> RunAsync(ServerOptions options, int processes, IReadOnlyList<string> args, LoggingOptions logging, MetricsExportOptions? export = null)
    {
        using var loggerFactory = HostLogging.Create(logging);
        using var supervisor = new ProcessSupervisor(options, processes, WorkerCommandLine.Of(args), loggerFactory.CreateLogger("EchoServers.Supervisor"));
        return await supervisor.RunAsync(loggerFactory.CreateLogger("EchoServers.Stats"), export);
    }

    private async Task<int> RunAsync(ILogger statsLogger, MetricsExportOptions? export)
    {
        PortReservation reservation;
        try
        {
            reservation = new PortReservation(_options.EndPoint);
        }
        catch (SocketException ex)
        {
            return StartFailure.CannotListen(_options.EndPoint, ex);
        }

        using (reservation)
        {
            var endPoint = reservation.EndPoint;
            _workers = [.. Enumerable.Range(1, _processes).Select(i => new WorkerProcess(i, _command, endPoint.Port))];
            var firstRuns = _workers.Select(w => w.Start()).ToArray();
            var allListening = Task.WhenAll(_workers.Select(w => w.Listening));
            var anyExited = Task.WhenAny(firstRuns);
            await Task.WhenAny(allListening, anyExited, Task.Delay(StartTimeout));
            if (!allListening.IsCompleted)
            {
                // A worker that cannot start (bad option, model unsupported, limits) would fail again on every restart.
                foreach (var worker in _workers)
                {
                    worker.Kill();
                }

                await Task.WhenAll(firstRuns);
                var failed = firstRuns.Select((t, i) => (t, i)).FirstOrDefault(x => x.t.Result != 0);
                return StartFailure.Report(failed.t is null
                    ? $"the workers did not all listen within {StartTimeout.TotalSeconds:0} s"
                    : $"worker {failed.i + 1} exited before listening ({Signals.DescribeExit(failed.t.Result)})");
            }

            // The group's one scrape target: the workers' totals summed and per worker (they export nothing themselves).
            using var groupMeter = export is { Enabled: true } ? new GroupMeter(_workers, () => Volatile.Read(ref _restarts)) : null;
            var (exported, exportError) = export is { Enabled: true }
                ? await MetricsExport.TryStartAsync(export, "echo-server", _logger)
                : (null, null);
            await using var ownedExport = exported;
            if (exportError is not null)
            {
                foreach (var worker in _workers)
                {
                    worker.Kill();
                }

                await Task.WhenAll(firstRuns);
                return StartFailure.Report(exportError);
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var model = _options.Model.ToString().ToLowerInvariant();
            var line = $"listening on {endPoint} (model {model}, framing {_options.Protocol.Framing.ToString().ToLowerInvariant()}, transform {_options.Protocol.Transform.ToString().ToLowerInvariant()}, {_processes} processes, --max-connections {_options.MaxConnections} per process)";
            if (_logger.IsEnabled(LogLevel.Information))
            {
                ProcessLog.GroupListening(_logger, line);
            }
            else
            {
                Console.Out.WriteLine($"listening on {endPoint}");
            }

            var watch = HungWorkers.WatchAsync(_workers, _stopping.Token);
            int[] exitCodes;
            using (var stats = new GroupStatsReporter(() => _workers.Select(w => w.Totals), () => _workers.Count(w => w.Running), _processes, () => _restarts, statsLogger, _options.StatsInterval))
            {
                exitCodes = await Task.WhenAll(_workers.Select((w, i) => SuperviseAsync(w, firstRuns[i])));
                stats.Report();
            }

            await watch;

            var failures = exitCodes.Count(code => code != 0);
            if (failures > 0)
            {
                ProcessLog.WorkersFailed(_logger, failures, _processes);
                return 1;
            }

            ProcessLog.Stopped(_logger);
            return 0;
        }
    }

    /// <summary>Restarts the slot's worker each time it dies until the group stops; returns the last exit code.</summary>
    internal async Task<int> SuperviseAsync(WorkerProcess worker, Task<int> run)
    {
        var backoff = new RestartBackoff();
        while (true)
        {
            var pid = worker.ProcessId;
            var code = await run;
            if (_stopping.IsCancellationRequested)
            {
                // A worker (re)started just before the stop can get the SIGTERM before it handles signals, and dies of
                // it: it had not listened yet, so it had no connection to drain, and the group's stop was clean.
                return code == 128 + Signals.SigTerm && !worker.Listening.IsCompleted ? 0 : code;
            }

            var delay = backoff.Next(DateTime.UtcNow - worker.StartedAt);
            var restarts = Interlocked.Increment(ref _restarts);
            if (worker.KilledAsHung)
            {
                ProcessLog.HungRestart(_logger, worker.Index, pid, HungWorkers.After.TotalSeconds, delay.TotalSeconds, restarts);
            }
            else if (_logger.IsEnabled(LogLevel.Warning))
            {
                ProcessLog.Restart(_logger, worker.Index, pid, Signals.DescribeExit(code), delay.TotalSeconds, restarts);
            }
            while (true)
            {
                try
                {
                    await Task.Delay(delay, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return 0;
                }

                if (TryStart(worker, out run, out var error))
                {
                    break;
                }

                // The restart itself failed (the program was replaced or removed, out of processes or memory): the
                // rest of the group goes on serving; try again later, backing off as for a worker that dies young.
                delay = backoff.Next(TimeSpan.Zero);
                if (_logger.IsEnabled(LogLevel.Warning))
                {
                    ProcessLog.StartFailed(_logger, worker.Index, error, delay.TotalSeconds);
                }
            }
        }
    }

    private static bool TryStart(WorkerProcess worker, out Task<int> run, out string error)
    {
        try
        {
            run = worker.Start();
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            run = Task.FromResult(-1);
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The group stops (a signal, or a test): every worker is asked to drain, and none is restarted.</summary>
    internal void RequestStop()
    {
        var first = !_stopping.IsCancellationRequested;
        _stopping.Cancel();
        foreach (var worker in _workers)
        {
            worker.Stop();
        }

        if (first)
        {
            _ = KillStragglersAsync(_workers);
        }
    }

    /// <summary>Tests: the workers <see cref="RequestStop"/> stops (<see cref="RunAsync(ILogger, MetricsExportOptions?)"/> sets its own).</summary>
    internal void Adopt(WorkerProcess[] workers) => _workers = workers;

    /// <summary>A worker that has not exited by its drain timeout plus <see cref="KillGrace"/> (hung, or ignoring SIGTERM) is killed.</summary>
    private async Task KillStragglersAsync(WorkerProcess[] workers)
    {
        await Task.Delay(_options.DrainTimeout + KillGrace).ConfigureAwait(false);
        foreach (var worker in workers.Where(w => w.Running))
        {
            ProcessLog.Killed(_logger, worker.Index, worker.ProcessId, Protocol.Text.DurationText.Format(_options.DrainTimeout + KillGrace));
            worker.Kill();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Stopping is ours to do: keep this process alive until every worker has drained. A second signal is
        // relayed too, which makes each worker abort what is left of its drain, as a single server does.
        context.Cancel = true;
        if (!_stopping.IsCancellationRequested)
        {
            var signal = context.Signal.ToString();
            var drain = Protocol.Text.DurationText.Format(_options.DrainTimeout);
            ProcessLog.WorkersStopping(_logger, signal, _processes, drain);
        }

        RequestStop();
    }

    public void Dispose() => _stopping.Dispose();
}
