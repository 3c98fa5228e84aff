using System.Globalization;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// Runs a bench: pins itself and the servers to separate CPUs, starts each server on first use (JIT warm-up), runs
/// the plan's steps in their interleaved order, reads each server's CPU and memory from /proc around the measured
/// window, stops the servers, and summarises. Progress goes to <c>progress</c> one line per step.
/// </summary>
public sealed class BenchRunner(BenchSettings settings, TextWriter progress)
{
    /// <summary>Descriptors the idle cell leaves free for everything else.</summary>
    private const int SpareDescriptors = 256;

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var notes = new List<string>();
        var (serverCpu, generatorCpu) = Pin(notes);
        RaiseFileLimit(notes);

        // Pinned like the generator: the cost the load sees. A few milliseconds.
        var syscallCost = SyscallCost.Measure();
        if (!SyscallCounter.Available)
        {
            notes.Add("system calls per message not counted: perf is missing or may not trace here (perf stat -e raw_syscalls:sys_enter)");
        }

        var serverCommand = settings.ServerCommand
            ?? (settings.Models.Count > 0 ? ServerLocator.Resolve(AppContext.BaseDirectory) : null);

        var rows = settings.Rows;
        var plan = BenchPlan.Order(settings.Passes, settings.Cells, rows);
        var runSeconds = plan.Sum(s => (s.Cell.DurationIn(settings) + s.Cell.WarmupIn(settings)).TotalSeconds + 0.5);
        await progress.WriteLineAsync(
            $"bench: {rows.Count} rows × {settings.Cells.Count} cells × {settings.Passes} passes = {plan.Count} runs of {settings.Warmup.TotalSeconds:0.#}s + {settings.Duration.TotalSeconds:0.#}s"
            + (settings.Cells.Any(c => c.Measure is not null) ? " (longer where a cell says so)" : string.Empty)
            + $" (about {Math.Ceiling((runSeconds + (settings.JitWarmup.TotalSeconds * rows.Count * (1 + settings.Cells.Select(c => (c.Work, c.Processes, c.Tls)).Distinct().Count(k => k != (null, 1, false))))) / 60)} min); "
            + (serverCpu is null ? "not pinned" : $"servers on CPU {serverCpu}, generator on CPU {generatorCpu}"));

        if (syscallCost is { } cost)
        {
            await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench: a null system call costs {cost.NullNs:0} ns here, a recv returning EAGAIN {cost.EagainRecvNs:0} ns"));
        }

        var servers = new BenchServers(settings, serverCommand, serverCpu, progress);
        var runs = new List<BenchRun>();
        IReadOnlyList<Sweep.SweepResult> sweeps = [];
        IReadOnlyList<BenchServer> serverRecords;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < plan.Count && !cancellationToken.IsCancellationRequested; i++)
            {
                var step = plan[i];
                BenchRun run;
                try
                {
                    var slot = step.Cell.Idle
                        ? await servers.StartFreshAsync(step.Model, settings.Warmup, cancellationToken)
                        : await servers.GetAsync(step.Model, step.Cell.Work, step.Cell.Processes, step.Cell.Tls, cancellationToken);
                    run = slot.Error is { } error
                        ? new BenchRun { Pass = step.Pass, Cell = step.Cell.Name, Model = step.Model.Label, Error = error }
                        : await RunStepAsync(step, slot, generatorCpu is not null, cancellationToken);
                    if (slot.Fresh)
                    {
                        await servers.StopAsync(slot);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C while a server started or idle connections were held: report what ran so far.
                    break;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    // A run cut short measures the interruption, not the server: leave it out of the medians.
                    break;
                }

                runs.Add(run);
                var left = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (i + 1) * (plan.Count - i - 1));
                await progress.WriteLineAsync($"[{i + 1,4}/{plan.Count} {(int)left.TotalMinutes,2}m{left.Seconds:00}s left] pass {step.Pass} {step.Cell.Name,-9} {step.Model.Label,-14} {Describe(run, runs)}");
            }

            if (settings.Sweep is { } sweep && !cancellationToken.IsCancellationRequested)
            {
                sweeps = await BenchSweeps.RunAsync(settings, sweep, servers, generatorCpu is not null, progress, cancellationToken);
            }
        }
        finally
        {
            serverRecords = await servers.StopAllAsync();
        }

        var labels = rows.Select(r => r.Label).ToArray();
        var reference = rows.FirstOrDefault(r => r.IsReference)?.Label;
        var summaries = BenchAggregator.Summarise(runs, settings.Cells, labels, reference);
        AddNotes(notes, summaries, serverRecords);
        return new BenchResult
        {
            StartedUtc = started,
            FinishedUtc = DateTime.UtcNow,
            CommandLine = settings.CommandLineText,
            Machine = new BenchMachine(Environment.ProcessorCount, serverCpu, generatorCpu, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription)
            {
                NullSyscallNs = syscallCost?.NullNs,
                EagainRecvNs = syscallCost?.EagainRecvNs,
            },
            Passes = settings.Passes,
            DurationSeconds = settings.Duration.TotalSeconds,
            WarmupSeconds = settings.Warmup.TotalSeconds,
            JitWarmupSeconds = settings.JitWarmup.TotalSeconds,
            Cells = settings.Cells,
            Models = labels,
            Reference = reference,
            References = [.. rows.Where(r => r.IsReference).Select(r => r.Label)],
            Servers = serverRecords,
            Runs = runs,
            Summaries = summaries,
            Sweeps = sweeps,
            Interrupted = cancellationToken.IsCancellationRequested,
            Notes = notes,
        };
    }

    /// <summary>A multi-process cell: load from child echo-load processes merged exactly; server CPU and RSS summed over its workers.</summary>
    private async Task<BenchRun> RunFanOutStepAsync(BenchStep step, BenchRun baseRun, System.Net.IPEndPoint endPoint, int serverPid, bool pinned, CancellationToken cancellationToken)
    {
        var (result, failures, start, end, seconds) = await FanOutStep.RunAsync(step.Cell, settings, endPoint, serverPid, cancellationToken);
        if (result is null)
        {
            return baseRun with { Error = $"every load process failed: {string.Join("; ", failures)}" };
        }

        return Measured(baseRun, result, start, end, seconds, syscalls: null, pinned);
    }

    /// <summary>A run's figures: the engine's result, and the server's CPU, memory and system calls over the measured window.</summary>
    private static BenchRun Measured(BenchRun baseRun, Reports.LoadResult result, ProcessSample? start, ProcessSample? end, double seconds, long? syscalls, bool pinned)
    {
        double? cpuUs = null, cpuPercent = null;
        if (start is { } a && end is { } b)
        {
            var cpuSeconds = (b.CpuTime - a.CpuTime).TotalSeconds;
            cpuUs = result.Messages > 0 ? Math.Round(cpuSeconds * 1e6 / result.Messages, 3) : null;
            cpuPercent = seconds > 0 ? Math.Round(cpuSeconds * 100 / seconds, 1) : null;
        }

        return baseRun with
        {
            MessagesPerSecond = result.MessagesPerSecond,
            ServerCpuUsPerMessage = cpuUs,
            ServerCpuPercent = cpuPercent,
            ServerSyscallsPerMessage = syscalls is { } calls && result.Messages > 0 ? Math.Round(calls / (double)result.Messages, 3) : null,
            ServerRssBytes = end?.RssBytes,
            ServerThreads = end?.Threads,
            GeneratorCpuPercent = Math.Round(result.Generator.CpuPercentOfCores * (pinned ? result.Generator.Cores : 1), 1),
            Result = result,
            Latency = result.LatencyHistogram,
        };
    }

    private async Task<BenchRun> RunStepAsync(BenchStep step, ServerSlot slot, bool pinned, CancellationToken cancellationToken)
    {
        var baseRun = new BenchRun { Pass = step.Pass, Cell = step.Cell.Name, Model = step.Model.Label };
        var endPoint = slot.Process.EndPoint!;
        try
        {
            if (step.Cell.Idle)
            {
                var count = IdleCount(step.Cell.Connections);
                var idle = await IdleConnections.MeasureAsync(endPoint, count, slot.Process.ProcessId, IdleTimeout, cancellationToken);
                return baseRun with { Idle = idle };
            }

            if (step.Cell.Processes > 1)
            {
                return await RunFanOutStepAsync(step, baseRun, endPoint, slot.Process.ProcessId, pinned, cancellationToken);
            }

            // System calls are counted in the first pass only: perf's counter adds a little to each call.
            var probe = new ServerProbeSink(slot.Process.ProcessId, countSyscalls: step.Pass == 1);
            var result = await LoadRunner.RunAsync(step.Cell.ToLoadOptions(endPoint, settings), probe, cancellationToken);
            return Measured(baseRun, result, probe.AtStart, probe.AtEnd, probe.Seconds, probe.Syscalls, pinned);
        }
        catch (LoadSetupException ex)
        {
            return baseRun with { Error = ex.Message };
        }
        finally
        {
            if (slot.Process.HasExited && slot.Error is null)
            {
                var output = slot.Process.LastOutput;
                slot.Error = $"exited during {step.Cell.Name}: {(output.Count > 0 ? output[^1] : "no output")}";
            }
        }
    }

    /// <summary>Pins this process to the second allowed CPU and returns (server CPU, generator CPU), or nulls when not pinning.</summary>
    private (int?, int?) Pin(List<string> notes)
    {
        var cpus = CpuAffinity.Allowed();
        if (!settings.Pin || cpus.Count < 2 || !OperatingSystem.IsLinux())
        {
            notes.Add(settings.Pin
                ? $"not pinned: only {cpus.Count} CPU(s) available; servers and generator share them"
                : "not pinned (--no-pin): servers and generator share the CPUs");
            return (null, null);
        }

        if (!CpuAffinity.PinProcess(Environment.ProcessId, cpus[1]))
        {
            notes.Add($"some generator threads could not be pinned to CPU {cpus[1]}");
        }

        notes.Add($"servers pinned to CPU {cpus[0]} (each forked from a thread pinned there, like taskset -c {cpus[0]}); the generator pinned to CPU {cpus[1]} with one I/O thread");
        return (cpus[0], cpus[1]);
    }

    /// <summary>Raises the descriptor limit once, before any server starts, so they inherit it too.</summary>
    private void RaiseFileLimit(List<string> notes)
    {
        var needed = settings.Cells.Select(c => c.Connections).DefaultIfEmpty(0).Max() + SpareDescriptors;
        if (FileLimit.TryGet(out var soft, out var hard) && soft < (ulong)needed && FileLimit.TrySet(Math.Min(hard, (ulong)needed), hard))
        {
            notes.Add($"raised the open-file soft limit from {soft} to {Math.Min(hard, (ulong)needed)} (servers inherit it)");
        }
    }

    private static int IdleCount(int wanted) =>
        FileLimit.TryGet(out var soft, out _) && soft < (ulong)(wanted + SpareDescriptors)
            ? Math.Max(1, (int)soft - SpareDescriptors)
            : wanted;

    private string Describe(BenchRun run, List<BenchRun> runs)
    {
        if (run.Error is { } error)
        {
            return $"not run: {error}";
        }

        if (run.Idle is { } idle)
        {
            return $"{idle.Held:#,0} held ({idle.Answered:#,0} answered, {idle.Closed:#,0} closed, {idle.Silent:#,0} silent): "
                + $"{(idle.BytesPerConnection / 1024).ToString("0.0", CultureInfo.InvariantCulture)} KiB/conn (RSS {idle.RssBeforeBytes >> 20} → {idle.RssAfterBytes >> 20} MiB), {idle.ThreadsAfter} threads";
        }

        var r = run.Result!;
        var reference = settings.Rows.FirstOrDefault(m => m.IsReference)?.Label;
        var paired = runs.FirstOrDefault(o => o.Pass == run.Pass && o.Cell == run.Cell && o.Model == reference && o.Model != run.Model && o.MessagesPerSecond > 0);
        return $"{Reports.Format.Rate(run.MessagesPerSecond),10} msgs/s  p99 {Reports.Format.Us(r.LatencyUs.P99),7}  "
            + $"server {run.ServerCpuUsPerMessage?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} us/msg {run.ServerCpuPercent?.ToString("0", CultureInfo.InvariantCulture) ?? "?"}%  "
            + (run.ServerSyscallsPerMessage is { } calls ? $"{calls.ToString("0.00", CultureInfo.InvariantCulture)} syscalls/msg  " : string.Empty)
            + $"gen {run.GeneratorCpuPercent?.ToString("0", CultureInfo.InvariantCulture)}%  served {r.Connections.Served}/{r.Connections.Requested}  errors {r.Errors.Total}"
            + $"  first reply p99 {Reports.Format.Us(r.FirstReplyUs.P99)}  starved {r.Starved}  jain {r.Fairness.Jain.ToString("0.###", CultureInfo.InvariantCulture)}"
            + (paired is null ? string.Empty : $"  ×{(run.MessagesPerSecond / paired.MessagesPerSecond).ToString("0.00", CultureInfo.InvariantCulture)} of {reference}")
            + (run.GeneratorCpuPercent >= BenchAggregator.SaturatedPercent || r.Generator.LikelyBottleneck ? "  (generator saturated)" : string.Empty)
            + (r.Valid ? string.Empty : "  INVALID");
    }

    private void AddNotes(List<string> notes, IReadOnlyList<BenchSummary> summaries, IReadOnlyList<BenchServer> servers)
    {
        if (settings.Models.Any(m => m.Label == "pool"))
        {
            notes.Add($"pool runs with its defaults ({BenchModel.PoolDefaultWorkers} workers, queue 100), the classic lesson's Python pool: it serves {BenchModel.PoolDefaultWorkers} connections at once; "
                + "the next 100 wait in its queue (their messages time out or go missing: errors) and the rest are refused (closed at once: eof errors). "
                + "Its rates are what 5 connections get; its errors are its admission control at work, recorded as they are. --models pool:N runs it with N workers.");
            if (settings.Cells.Any(c => c.Storm))
            {
                notes.Add("pool in the storm cells: by design it serves its workers' connections and no others, so its queued clients are counted starved "
                    + "(no reply within the first-reply timeout) and its refused ones as eof; its low fairness is that admission control, not a fault.");
            }
        }

        if (settings.Rows.Any(r => r.IsReference) && settings.Cells.Any(c => c.Work is not null))
        {
            notes.Add("the reference only echoes raw bytes: it does not join the --work cells");
        }

        if (settings.Cells.Any(c => c.Tls))
        {
            notes.Add("TLS cells: the servers run with --tls (a self-signed ECDSA P-256 certificate made at start-up, taken with --insecure), async on the socket transport; "
                + "the load runs on the TLS engine (SslStream, one task per connection on the thread pool), which costs the generator far more per message than the epoll engine, "
                + "so watch its CPU in these cells");
            var left = settings.Rows.Where(r => !r.ServesTls).Select(r => r.Label).ToArray();
            if (left.Length > 0)
            {
                notes.Add($"not in the TLS cells: {string.Join(", ", left)} ("
                    + (settings.Rows.Any(r => r.IsReference) ? "the reference only echoes raw bytes; " : string.Empty)
                    + "eventloop and async on the epoll transport refuse --tls)");
            }
        }

        foreach (var summary in summaries.Where(s => s.GeneratorSaturated))
        {
            notes.Add($"{summary.Cell} / {summary.Model}: the generator used ≥ 90 % of its core in some pass; that rate is the generator's limit as much as the server's");
        }

        foreach (var server in servers.Where(s => s.Error is not null || s.Killed))
        {
            notes.Add($"server {server.Model}{(server.Work is null ? string.Empty : $" --work {server.Work}")}{(server.Tls ? " --tls" : string.Empty)}: {server.Error ?? "did not stop within its drain after SIGTERM: killed"}");
        }
    }
}
