using System.Diagnostics;
using System.Globalization;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// Runs one load: checks → connect → warm-up → measure → drain, then builds the <see cref="LoadResult"/>. Callable
/// in-process (bench, tests); the I/O threads (which also pace the open model) and the connector are dedicated threads, this method only waits and
/// takes the per-second snapshots.
/// </summary>
public static class LoadRunner
{
    /// <summary>Runs <paramref name="options"/>; throws <see cref="LoadSetupException"/> when the run cannot start.</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, IProgressSink progress, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LoadSetupException("echo-load's engine uses epoll and runs on Linux only");
        }

        if (TargetPolicy.Refusal(options.Target.Address, options.AllowPrivateNetwork) is { } refusal)
        {
            throw new LoadSetupException(refusal);
        }

        var profile = options.BuildProfile();
        var count = options.ConnectionsToOpen(profile);
        if (count < 1 || options.Pipeline < 1)
        {
            throw new LoadSetupException("at least one connection and a pipeline of at least 1 are needed");
        }

        var warnings = new List<string>();
        var sources = Preflight.Check(options.Target, count, warnings);
        sources = options.SourceAddresses ?? sources;
        warnings.ForEach(progress.OnWarning);

        var connector = await ConnectAsync(options, count, sources, progress, cancellationToken);
        if (connector.Established.Count == 0)
        {
            throw new LoadSetupException($"no connection to {options.Target} could be established: {connector.FirstError}");
        }

        if (connector.Failed > 0)
        {
            Warn($"{connector.Failed} of {count} connections failed: {connector.FirstError}");
        }

        if (options.StartGate is { } gate)
        {
            await gate(cancellationToken);
        }

        var run = new RunContext(options, profile, Stopwatch.GetTimestamp() + RunContext.SecondsToTicks(0.02));
        var connections = CreateConnections(run, connector);
        var threads = options.Threads > 0 ? options.Threads : Math.Min(Environment.ProcessorCount, connections.Length);
        var loops = Enumerable.Range(0, threads).Select(i => new IoLoop(run, i, threads)).ToArray();
        try
        {
            for (var i = 0; i < connections.Length; i++)
            {
                loops[i % threads].Add(connections[i]);
            }

            if (profile.IsOpen)
            {
                foreach (var loop in loops)
                {
                    loop.UseSchedule(new RateSchedule(profile, options.Arrival, options.Seed));
                }
            }

            var sampler = new RunSampler(run, loops, connections, progress);
            using var registration = cancellationToken.Register(run.StopEarly);
            foreach (var loop in loops)
            {
                loop.Start();
            }

            progress.OnPhase(profile.WarmupSeconds > 0 ? "warmup" : "measure", profile.WarmupSeconds > 0
                ? $"{profile.WarmupSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s, not counted"
                : string.Join(", ", profile.Steps));
            await sampler.SampleUntilSendStopAsync(cancellationToken);
            progress.OnPhase("drain", $"waiting up to {options.DrainTimeout.TotalSeconds:0.#}s for outstanding replies");
            await Task.WhenAll(loops.Select(l => l.Completion.Task)).WaitAsync(options.DrainTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
            progress.OnFinished();
            return BuildResult(options, run, connector, connections, loops, sampler, warnings, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            run.Abort = true;
            foreach (var socket in connector.Established)
            {
                socket.Dispose();
            }

            foreach (var loop in loops)
            {
                loop.Dispose();
            }
        }

        void Warn(string message)
        {
            warnings.Add(message);
            progress.OnWarning(message);
        }
    }

    private static async Task<Connector> ConnectAsync(LoadOptions options, int count, IReadOnlyList<System.Net.IPAddress> sources, IProgressSink progress, CancellationToken cancellationToken)
    {
        progress.OnPhase("connect", $"{count} connections to {options.Target}"
            + (options.ConnectRate > 0 ? $" at {options.ConnectRate.ToString(CultureInfo.InvariantCulture)}/s" : string.Empty));
        var connector = new Connector(options, count, sources);
        connector.Start(cancellationToken);
        while (!connector.Completion.Task.IsCompleted)
        {
            await Task.WhenAny(connector.Completion.Task, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            progress.OnConnecting(connector.Attempted, count, connector.Failed);
        }

        await connector.Completion.Task;
        return connector;
    }

    private static LoadConnection[] CreateConnections(RunContext run, Connector connector)
    {
        var options = run.Options;
        var window = run.IsOpen
            ? options.MaxInFlight > 0
                ? options.MaxInFlight
                : (int)Math.Clamp(run.Profile.MaxLevel * options.Timeout.TotalSeconds / connector.Established.Count * 2, 16, 4096)
            : options.Pipeline * 2;
        var carry = IoLoop.CarrySize(run);
        return [.. connector.Established.Select((socket, i) => new LoadConnection(i, socket, window, carry))];
    }

    private static LoadResult BuildResult(
        LoadOptions options, RunContext run, Connector connector, LoadConnection[] connections, IoLoop[] loops,
        RunSampler sampler, List<string> warnings, bool cancelled)
    {
        var profile = run.Profile;
        var all = loops.Select(l => l.Counters).ToArray();
        long Sum(Func<WorkerCounters, long> field) => all.Sum(field);

        var latency = Histograms.Merge(loops.Select(l => (HistogramBase)l.Latency));
        var service = Histograms.Merge(loops.Select(l => (HistogramBase)l.Service));
        var lateness = profile.IsOpen ? Histograms.Merge(loops.Select(l => (HistogramBase)l.Lateness)) : null;
        var seconds = Math.Max(run.MeasuredSeconds, 1e-9);
        var messages = Sum(c => c.MeasuredReceived);
        var errors = new ErrorCounts(
            Total: Sum(c => c.Mismatch) + Sum(c => c.Reset) + Sum(c => c.Eof) + Sum(c => c.Timeout) + Sum(c => c.Reorder)
                + Sum(c => c.Missing) + Sum(c => c.Overflow) + connector.Failed,
            Mismatch: Sum(c => c.Mismatch),
            Reset: Sum(c => c.Reset),
            Eof: Sum(c => c.Eof),
            Timeout: Sum(c => c.Timeout),
            Reorder: Sum(c => c.Reorder),
            Missing: Sum(c => c.Missing),
            Overflow: Sum(c => c.Overflow),
            Connect: connector.Failed);

        double? targetRate = null, achievedRate = null;
        var rateOk = true;
        if (profile.IsOpen)
        {
            targetRate = profile.AreaBetween(profile.WarmupSeconds, profile.WarmupSeconds + seconds) / seconds;
            achievedRate = Sum(c => c.MeasuredSent) / seconds;
            if (achievedRate < targetRate * 0.99)
            {
                rateOk = false;
                warnings.Add($"achieved {achievedRate:0.##} msgs/s is under 99 % of the target {targetRate:0.##} msgs/s: the run is invalid");
            }
        }

        var cost = sampler.Cost(messages, loops.Length) with { IoThreadAllocatedBytes = loops.Sum(l => l.AllocatedBytes) };
        if (cost.LikelyBottleneck)
        {
            warnings.Add($"the generator used {cost.CpuPercentOfCores:0}% of its {cost.Cores} core(s): it is probably the bottleneck, not the server");
        }

        if (cost.GcPauseMs > seconds * 10)
        {
            warnings.Add($"the generator paused {cost.GcPauseMs:0} ms for GC during measurement (over 1 %)");
        }

        if (cancelled || run.EndedEarly)
        {
            warnings.Add($"the run was cancelled after {run.MeasuredSeconds:0.###} of {profile.MeasuredSeconds:0.###} measured seconds");
        }

        return new LoadResult
        {
            Connections = new ConnectionCounts(connector.Established.Count + connector.Failed, connector.Established.Count, connector.Failed,
                connections.Count(c => c.MeasuredReplies > 0)),
            Messages = messages,
            MessagesPerSecond = Math.Round(messages / seconds, 1),
            BytesPerSecond = Math.Round(Sum(c => c.MeasuredBytes) / seconds, 1),
            LatencyUs = LatencySummary.Of(latency),
            Errors = errors,
            Valid = errors.Total == 0 && rateOk && !cancelled && run.MeasuredSeconds > 0,
            ServiceTimeUs = LatencySummary.Of(service),
            SendLatenessUs = lateness is null ? null : LatencySummary.Of(lateness),
            ConnectLatencyUs = LatencySummary.Of(connector.ConnectLatency),
            Target = options.Target.ToString(),
            Model = profile.IsOpen ? "open" : "closed",
            Load = string.Join(", ", profile.Steps),
            Framing = options.Framing.ToString().ToLowerInvariant(),
            Expect = options.Expect.ToString().ToLowerInvariant(),
            Size = options.Sizes.ToString(),
            Pipeline = profile.IsOpen ? 0 : options.Pipeline,
            DurationSeconds = seconds,
            WarmupSeconds = profile.WarmupSeconds,
            TargetRate = targetRate is { } t ? Math.Round(t, 3) : null,
            AchievedRate = achievedRate is { } a ? Math.Round(a, 3) : null,
            Generator = cost,
            Warnings = warnings,
            PerSecond = sampler.Seconds,
            LatencyHistogram = latency,
            ServiceHistogram = service,
            LatenessHistogram = lateness,
            ConnectHistogram = connector.ConnectLatency,
        };
    }
}
