using System.Diagnostics;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using EchoServers.Load.Simulations;

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
        var established = new List<(int Fd, long StartTs)>();
        using var connector = await ConnectAsync(options, count, sources, established, progress, cancellationToken);
        IoLoop[] loops = [];
        try
        {
            if (established.Count == 0)
            {
                throw RunPhases.NoConnection(options, connector.FirstError, kind: string.Empty);
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
                PerSource = Connector.PerSource(count, sources.Count),
            };
            var window = Window(options, profile, established.Count);
            var carry = run.CarrySize;
            var connections = established.Select((e, i) => new LoadConnection(i, e.Fd, window, carry)
            {
                ConnectStartTs = e.StartTs,
                FirstReplyFromTs = Math.Max(e.StartTs, run.LoadStartTs),
            }).ToArray();
            loops = CreateLoops(run, connections.Length);
            for (var i = 0; i < connections.Length; i++)
            {
                loops[i % loops.Length].Add(connections[i]);
            }

            // The loops own the descriptors now: they close them when disposed.
            established.Clear();
            var sampler = new RunSampler(run, loops, connections, progress, connector.Counters);
            using var registration = cancellationToken.Register(run.StopEarly);
            try
            {
                StartLoops(run, loops, profile, options, progress);
                await sampler.SampleUntilSendStopAsync(cancellationToken);
                await DrainAsync(options, loops, progress);
                return RunResult.Build(options, run, ConnectPhase.Of(connector), connections, loops, loops.Length, sampler, warnings, cancellationToken.IsCancellationRequested);
            }
            finally
            {
                run.Abort = true;
            }
        }
        finally
        {
            foreach (var (fd, _) in established)
            {
                TcpConnect.Close(fd);
            }

            Dispose(loops);
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
            PerSource = Connector.PerSource(count, sources.Count),
        };
        var window = Window(options, profile, count);
        var carry = run.CarrySize;
        var loops = CreateLoops(run, count);
        var connections = new LoadConnection[count];
        var established = 0;
        using var stopConnecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var connector = new Connector(options, count, sources)
        {
            CancelledCountAsFailed = false,
            OnEstablished = (_, fd, started, establishedTs) =>
            {
                var i = established;
                connections[i] = new LoadConnection(i, fd, window, carry)
                {
                    ConnectStartTs = started,
                    FirstReplyFromTs = started,
                    EstablishedTs = establishedTs,
                };
                established = i + 1;
                loops[i % loops.Length].Add(connections[i]);
            },
            OnFinished = () => run.ConnectingDone = true,
        };
        using var samplingStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            progress.OnPhase("connect", $"{count} connections to {options.Target}, each sending once it is up"
                + (options.ConnectRate > 0 ? RunPhases.ConnectRateText(options, ", {0}/s") : ", as fast as they complete"));
            var sampler = new RunSampler(run, loops, connections, progress, connector.Counters);
            using var registration = cancellationToken.Register(run.StopEarly);
            StartLoops(run, loops, profile, options, progress);
            connector.Start(stopConnecting.Token);
            var sampling = sampler.SampleUntilSendStopAsync(samplingStop.Token);
            if (await Task.WhenAny(sampling, connector.Completion.Task) == connector.Completion.Task && connector.Established == 0)
            {
                await samplingStop.CancelAsync();
                await sampling;
                throw RunPhases.NoConnection(options, connector.FirstError, kind: string.Empty);
            }

            await sampling;

            // Connections not attempted by the end of the measured window are not started any more.
            await stopConnecting.CancelAsync();
            await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
            RunPhases.WarnConnectPhase(warnings, progress, count, connector.Failed, connector.FirstError, connector.NotAttempted, kind: string.Empty);

            await DrainAsync(options, loops, progress);
            return RunResult.Build(options, run, ConnectPhase.Of(connector), connections[..connector.Established], loops, loops.Length, sampler, warnings, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            await stopConnecting.CancelAsync();
            await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            run.Abort = true;
            Dispose(loops);
        }
    }

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

        RunPhases.AnnounceLoad(profile, progress);
    }

    private static Task DrainAsync(LoadOptions options, IoLoop[] loops, IProgressSink progress) =>
        RunPhases.DrainAsync(options, progress, Task.WhenAll(loops.Select(l => l.Completion.Task)), TimeSpan.FromSeconds(5));

    private static void WarnFailed(Connector connector, int count, List<string> warnings, IProgressSink progress) =>
        RunPhases.WarnConnectPhase(warnings, progress, count, connector.Failed, connector.FirstError, notAttempted: 0, kind: string.Empty);

    /// <summary>Closes the loops and every descriptor they own (call once their threads were told to stop).</summary>
    private static void Dispose(IoLoop[] loops)
    {
        foreach (var loop in loops)
        {
            loop.Dispose();
        }
    }

    private static async Task<Connector> ConnectAsync(
        LoadOptions options, int count, IReadOnlyList<System.Net.IPAddress> sources, List<(int Fd, long StartTs)> established,
        IProgressSink progress, CancellationToken cancellationToken)
    {
        progress.OnPhase("connect", $"{count} connections to {options.Target}" + RunPhases.ConnectRateText(options, " at {0}/s"));
        var connector = new Connector(options, count, sources) { OnEstablished = (_, fd, started, _) => established.Add((fd, started)) };
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
}
