using System.Diagnostics;
using System.Globalization;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using EchoServers.Load.Simulations;
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

        if (options.Churn && profile.IsOpen)
        {
            throw new LoadSetupException("--messages-per-connection, --connection-lifetime and --reconnect need the closed model (-c); the open model (--rate) does not support them");
        }

        var warnings = new List<string>();
        var sources = Preflight.Check(options.Target, count, warnings);
        sources = options.SourceAddresses ?? sources;
        if (options.Churn)
        {
            warnings.Add(Preflight.ChurnLimit(options.Target, sources.Count));
        }

        warnings.ForEach(progress.OnWarning);
        if (options.Tls is not null)
        {
            return await Tls.TlsRunner.RunAsync(options, profile, count, sources, warnings, progress, cancellationToken);
        }

        return options.Start == StartMode.Together
            ? await RunTogetherAsync(options, profile, count, sources, warnings, progress, cancellationToken)
            : await RunImmediateAsync(options, profile, count, sources, warnings, progress, cancellationToken);
    }

    /// <summary>Every connection first, then warm-up and measurement: a steady state without the connect storm.</summary>
    private static async Task<LoadResult> RunTogetherAsync(
        LoadOptions options, LoadProfile profile, int count, IReadOnlyList<System.Net.IPAddress> sources, List<string> warnings,
        IProgressSink progress, CancellationToken cancellationToken)
    {
        var starts = new List<long>();
        var connector = await ConnectAsync(options, count, sources, starts, progress, cancellationToken);
        if (connector.Established.Count == 0)
        {
            throw new LoadSetupException($"no connection to {options.Target} could be established: {connector.FirstError}");
        }

        WarnFailed(connector, count, warnings, progress);
        if (options.StartGate is { } gate)
        {
            // A share of a multi-process run: every share is connected; start the load together.
            await gate(cancellationToken);
        }

        var run = new RunContext(options, profile, Stopwatch.GetTimestamp() + RunContext.SecondsToTicks(0.02))
        {
            Sources = [.. sources.Select(a => RawSocketAddress.From(new System.Net.IPEndPoint(a, 0)))],
            PerSource = PerSource(count, sources),
        };
        var window = Window(options, profile, connector.Established.Count);
        var carry = run.CarrySize;
        var connections = connector.Established.Select((socket, i) => new LoadConnection(i, socket, window, carry)
        {
            ConnectStartTs = starts[i],
            FirstReplyFromTs = Math.Max(starts[i], run.LoadStartTs),
        }).ToArray();
        var loops = CreateLoops(run, connections.Length);
        try
        {
            for (var i = 0; i < connections.Length; i++)
            {
                loops[i % loops.Length].Add(connections[i]);
            }

            var sampler = new RunSampler(run, loops, connections, progress);
            using var registration = cancellationToken.Register(run.StopEarly);
            StartLoops(run, loops, profile, options, progress);
            await sampler.SampleUntilSendStopAsync(cancellationToken);
            await DrainAsync(options, loops, progress);
            return BuildResult(options, run, ConnectPhase.Of(connector), connections, loops, loops.Length, sampler, warnings, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            Dispose(run, connector, loops);
        }
    }

    /// <summary>
    /// Load from the first connection on: the connect thread hands each new connection to its I/O thread, which
    /// starts it at once while the others are still connecting (what real clients do, and what a connect storm
    /// is). The timeline (warm-up, then the measured window) starts with the connect phase.
    /// </summary>
    private static async Task<LoadResult> RunImmediateAsync(
        LoadOptions options, LoadProfile profile, int count, IReadOnlyList<System.Net.IPAddress> sources, List<string> warnings,
        IProgressSink progress, CancellationToken cancellationToken)
    {
        if (options.StartGate is { } gate)
        {
            // A share of a multi-process run: every share starts its storm at the same moment.
            await gate(cancellationToken);
        }

        var run = new RunContext(options, profile, Stopwatch.GetTimestamp())
        {
            Sources = [.. sources.Select(a => RawSocketAddress.From(new System.Net.IPEndPoint(a, 0)))],
            PerSource = PerSource(count, sources),
        };
        var window = Window(options, profile, count);
        var carry = run.CarrySize;
        var loops = CreateLoops(run, count);
        var connections = new LoadConnection[count];
        var established = 0;
        using var stopConnecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var connector = new Connector(options, count, sources)
        {
            CancelledCountAsFailed = false,
            OnEstablished = (socket, started) =>
            {
                var i = established;
                connections[i] = new LoadConnection(i, socket, window, carry)
                {
                    ConnectStartTs = started,
                    FirstReplyFromTs = started,
                    EstablishedTs = Stopwatch.GetTimestamp(),
                };
                Volatile.Write(ref established, i + 1);
                loops[i % loops.Length].Add(connections[i]);
            },
            OnFinished = () => run.ConnectingDone = true,
        };
        using var samplingStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            progress.OnPhase("connect", $"{count} connections to {options.Target}, each sending once it is up"
                + (options.ConnectRate > 0 ? $", {options.ConnectRate.ToString(CultureInfo.InvariantCulture)}/s" : ", as fast as they complete"));
            var sampler = new RunSampler(run, loops, connections, progress);
            using var registration = cancellationToken.Register(run.StopEarly);
            StartLoops(run, loops, profile, options, progress);
            connector.Start(stopConnecting.Token);
            var sampling = sampler.SampleUntilSendStopAsync(samplingStop.Token);
            if (await Task.WhenAny(sampling, connector.Completion.Task) == connector.Completion.Task && connector.Established.Count == 0)
            {
                await samplingStop.CancelAsync();
                await sampling;
                throw new LoadSetupException($"no connection to {options.Target} could be established: {connector.FirstError}");
            }

            await sampling;

            // Connections not attempted by the end of the measured window are not started any more.
            await stopConnecting.CancelAsync();
            await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
            WarnFailed(connector, count, warnings, progress);
            if (connector.NotAttempted > 0)
            {
                var message = $"{connector.NotAttempted} of {count} connections were not attempted before the measured window ended: "
                    + "lengthen --duration or --warmup, or raise --connect-rate";
                warnings.Add(message);
                progress.OnWarning(message);
            }

            await DrainAsync(options, loops, progress);
            return BuildResult(options, run, ConnectPhase.Of(connector), connections[..connector.Established.Count], loops, loops.Length, sampler, warnings, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            await stopConnecting.CancelAsync();
            await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Dispose(run, connector, loops);
        }
    }

    /// <summary>Connections per source address, as <see cref="Connector"/> spreads them.</summary>
    private static int PerSource(int count, IReadOnlyList<System.Net.IPAddress> sources) =>
        sources.Count == 0 ? int.MaxValue : (count + sources.Count - 1) / sources.Count;

    private static IoLoop[] CreateLoops(RunContext run, int connections)
    {
        var threads = run.Options.Threads > 0 ? run.Options.Threads : Math.Min(Environment.ProcessorCount, connections);
        var capacity = (connections + threads - 1) / threads;
        return [.. Enumerable.Range(0, threads).Select(i => new IoLoop(run, i, threads, capacity))];
    }

    private static void StartLoops(RunContext run, IoLoop[] loops, LoadProfile profile, LoadOptions options, IProgressSink progress)
    {
        if (profile.IsOpen)
        {
            foreach (var loop in loops)
            {
                loop.UseSchedule(new RateSchedule(profile, options.Arrival, options.Seed));
            }
        }

        foreach (var loop in loops)
        {
            loop.Start();
        }

        progress.OnPhase(profile.WarmupSeconds > 0 ? "warmup" : "measure", profile.WarmupSeconds > 0
            ? $"{profile.WarmupSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s, not counted"
            : string.Join(", ", profile.Steps));
    }

    private static async Task DrainAsync(LoadOptions options, IoLoop[] loops, IProgressSink progress)
    {
        progress.OnPhase("drain", $"waiting up to {options.DrainTimeout.TotalSeconds:0.#}s for outstanding replies");
        await Task.WhenAll(loops.Select(l => l.Completion.Task)).WaitAsync(options.DrainTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
        progress.OnFinished();
    }

    private static void WarnFailed(Connector connector, int count, List<string> warnings, IProgressSink progress)
    {
        if (connector.Failed > 0)
        {
            var message = $"{connector.Failed} of {count} connections failed: {connector.FirstError}";
            warnings.Add(message);
            progress.OnWarning(message);
        }
    }

    private static void Dispose(RunContext run, Connector connector, IoLoop[] loops)
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

    private static async Task<Connector> ConnectAsync(
        LoadOptions options, int count, IReadOnlyList<System.Net.IPAddress> sources, List<long> starts, IProgressSink progress, CancellationToken cancellationToken)
    {
        progress.OnPhase("connect", $"{count} connections to {options.Target}"
            + (options.ConnectRate > 0 ? $" at {options.ConnectRate.ToString(CultureInfo.InvariantCulture)}/s" : string.Empty));
        var connector = new Connector(options, count, sources) { OnEstablished = (_, started) => starts.Add(started) };
        connector.Start(cancellationToken);
        while (!connector.Completion.Task.IsCompleted)
        {
            await Task.WhenAny(connector.Completion.Task, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            progress.OnConnecting(connector.Attempted, count, connector.Failed);
        }

        await connector.Completion.Task;
        return connector;
    }

    /// <summary>Messages one connection may have outstanding (either engine).</summary>
    internal static int Window(LoadOptions options, LoadProfile profile, int connections) => profile.IsOpen
        ? options.MaxInFlight > 0
            ? options.MaxInFlight
            : (int)Math.Clamp(profile.MaxLevel * options.Timeout.TotalSeconds / connections * 2, 16, 4096)
        : options.Pipeline * 2;

    /// <summary>The result of a run from its workers' counters and histograms (either engine).</summary>
    internal static LoadResult BuildResult(
        LoadOptions options, RunContext run, ConnectPhase connector, LoadConnection[] connections, ILoadWorker[] loops, int ioThreads,
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
        var firstReply = Histograms.Merge(loops.Select(l => (HistogramBase)l.FirstReply));
        var starved = FirstReplyAccounting.Account(connections, Stopwatch.GetTimestamp(), run.FirstReplyTimeoutTicks, firstReply);
        var by = connector.FailedBy;
        var connectFailures = new ConnectFailureCounts(
            Total: connector.Failed + Sum(c => c.ConnectRefused) + Sum(c => c.ConnectReset) + Sum(c => c.ConnectTimeout) + Sum(c => c.ConnectOutOfPorts) + Sum(c => c.ConnectOther),
            Refused: by[(int)ConnectFailure.Refused] + Sum(c => c.ConnectRefused),
            Reset: by[(int)ConnectFailure.Reset] + Sum(c => c.ConnectReset),
            Timeout: by[(int)ConnectFailure.Timeout] + Sum(c => c.ConnectTimeout),
            OutOfPorts: by[(int)ConnectFailure.OutOfPorts] + Sum(c => c.ConnectOutOfPorts),
            Other: by[(int)ConnectFailure.Other] + Sum(c => c.ConnectOther));
        var connectLatency = Histograms.Merge(loops.Select(l => (HistogramBase)l.ConnectLatency).Prepend(connector.ConnectLatency));
        var errors = new ErrorCounts(
            Total: Sum(c => c.Mismatch) + Sum(c => c.Reset) + Sum(c => c.Eof) + Sum(c => c.Timeout) + Sum(c => c.Reorder)
                + Sum(c => c.Missing) + Sum(c => c.Overflow) + connectFailures.Total + starved,
            Mismatch: Sum(c => c.Mismatch),
            Reset: Sum(c => c.Reset),
            Eof: Sum(c => c.Eof),
            Timeout: Sum(c => c.Timeout),
            Reorder: Sum(c => c.Reorder),
            Missing: Sum(c => c.Missing),
            Overflow: Sum(c => c.Overflow),
            Connect: connectFailures.Total,
            Starved: starved);
        if (starved > 0)
        {
            warnings.Add($"{starved} of {connections.Length} connections got no reply within {options.FirstReplyTimeout.TotalSeconds:0.###}s of connecting (starved)");
        }

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

        var cost = sampler.Cost(messages, ioThreads) with { IoThreadAllocatedBytes = loops.Sum(l => l.AllocatedBytes) };
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
            Connections = new ConnectionCounts(connector.Established + connector.Failed + connector.NotAttempted, connector.Established, connector.Failed,
                connections.Count(c => c.MeasuredReplies > 0)),
            Messages = messages,
            MessagesPerSecond = Math.Round(messages / seconds, 1),
            BytesPerSecond = Math.Round(Sum(c => c.MeasuredBytes) / seconds, 1),
            LatencyUs = LatencySummary.Of(latency),
            Errors = errors,
            Valid = errors.Total == 0 && rateOk && !cancelled && run.MeasuredSeconds > 0,
            ServiceTimeUs = LatencySummary.Of(service),
            SendLatenessUs = lateness is null ? null : LatencySummary.Of(lateness),
            ConnectUs = LatencySummary.Of(connectLatency),
            Connects = connector.Established + Sum(c => c.Connects),
            ConnectsPerSecond = Math.Round(Sum(c => c.MeasuredConnects) / seconds, 1),
            Reconnects = Sum(c => c.Reconnects),
            ConnectFailures = connectFailures,
            MessagesPerConnection = options.MessagesPerConnection,
            ConnectionLifetimeSeconds = options.ConnectionLifetime?.TotalSeconds ?? 0,
            Reconnect = options.Reconnect,
            FirstReplyUs = LatencySummary.Of(firstReply),
            Starved = starved,
            // A connection established only after the measured window closed had no share to get (immediate start).
            Fairness = FairnessSummary.Of([.. connections.Where(c => c.EstablishedTs < run.SendStopTs).Select(c => c.MeasuredReplies)]),
            Start = options.Start == StartMode.Together ? "together" : "immediate",
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
            ConnectHistogram = connectLatency,
            FirstReplyHistogram = firstReply,
        };
    }
}
