using System.Diagnostics;
using System.Net;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using EchoServers.Load.Simulations;
using EchoServers.Protocol.Framing;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The TLS engine (<c>run --tls</c>): the epoll I/O loops move raw bytes and cannot do TLS, so each connection here
/// is one task over an <see cref="System.Net.Security.SslStream"/> on the thread pool (<see cref="TlsSlot"/>). The
/// phases, the payloads and their verification, the counters and the histograms are the epoll engine's, so the
/// <see cref="LoadResult"/> and every report read the same; the result adds the handshakes (<see cref="TlsSummary"/>).
/// The open model is paced by one thread of its own (<see cref="TlsPacer"/>).
/// </summary>
internal static class TlsRunner
{
    public const string EngineName = "tls";

    private static readonly TimeSpan ScanPeriod = TimeSpan.FromMilliseconds(10);

    public static async Task<LoadResult> RunAsync(
        LoadOptions options, LoadProfile profile, int count, IReadOnlyList<IPAddress> sources, List<string> warnings,
        IProgressSink progress, CancellationToken cancellationToken)
    {
        var trust = TlsTrust.Create(options.Tls!, options.Target);
        using var owner = new TlsRun(options, trust);
        var shards = Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, count)).Select(_ => new TlsShard()).ToArray();
        var carry = RunContext.CarrySizeOf(options.Sizes);
        var maxWire = options.Sizes.Max + ProtocolLimits.WriteOverhead(options.Framing);
        var writeSize = Math.Max(maxWire, Math.Min(Math.Max(options.Pipeline, profile.IsOpen ? 16 : 1) * maxWire, 16 * 1024));
        var window = LoadRunner.Window(options, profile, count);
        var slots = Enumerable.Range(0, count).Select(i => new TlsSlot(owner, i, shards[i % shards.Length], window, carry, writeSize)).ToArray();
        var tasks = new Task?[count];
        var together = options.Start == StartMode.Together;
        progress.OnPhase("connect", $"{count} TLS connections to {options.Target} (connect + handshake, at most {TlsRun.MaxConcurrentOpens} at once)"
            + RunPhases.ConnectRateText(options, ", {0}/s")
            + (together ? string.Empty : ", each sending once it is up"));
        using var stopConnecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var handedOverFirst = false;
        using var connector = new Connector(options, count, sources)
        {
            CancelledCountAsFailed = together,
            GiveUp = () => owner.GiveUp,
            OnEstablished = (index, fd, started, _) => HandOver(owner, slots[index], tasks, fd, started, ref handedOverFirst),
            OnFinished = owner.OnConnectorDone,
        };
        RunContext? run = null;
        TlsPacer? pacer = null;
        (TimeSpan Cpu, int Handshakes, bool FirstIncluded)? phase = null;
        try
        {
            if (together)
            {
                var cpuAtStart = ProcessCpu();
                connector.Start(cancellationToken);

                // The CPU per handshake leaves out the first, which opened alone and paid the one-time costs, unless
                // the others were all open too by the time this saw the first (a busy machine): then it is every one.
                try
                {
                    await owner.FirstSettled.WaitAsync(cancellationToken);
                    var cpuBefore = ProcessCpu();
                    var firstOpened = owner.Established;
                    await WaitForOpensAsync(owner, connector, count, progress, cancellationToken);
                    var cpuAfter = ProcessCpu();
                    phase = owner.Established > firstOpened
                        ? (cpuAfter - cpuBefore, owner.Established - firstOpened, false)
                        : owner.Established > 0 ? (cpuAfter - cpuAtStart, owner.Established, true) : null;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new LoadSetupException($"cancelled in the connect phase ({owner.Established} of {count} TLS connections open), before the load started");
                }

                if (owner.Established == 0)
                {
                    throw NoConnection(owner, connector, options);
                }

                WarnFailed(owner, connector, count, warnings, progress);
                if (options.StartGate is { } gate)
                {
                    await gate(cancellationToken);
                }

                run = Context(options, profile, Stopwatch.GetTimestamp() + RunContext.SecondsToTicks(0.02), count, sources);
                owner.Start(run);
                pacer = StartPacer(run, slots, owner);
            }
            else
            {
                if (options.StartGate is { } gate)
                {
                    await gate(cancellationToken);
                }

                run = Context(options, profile, Stopwatch.GetTimestamp(), count, sources);
                owner.Start(run);
                connector.Start(stopConnecting.Token);
                pacer = StartPacer(run, slots, owner);
            }

            var sampler = new RunSampler(run, shards, [.. slots.Select(s => s.Book)], progress, connector.Counters, owner.Counters);
            using var registration = cancellationToken.Register(run.StopEarly);
            var scanner = ScanAsync(run, slots, owner.Aborted);
            RunPhases.AnnounceLoad(profile, progress);
            using var samplingStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sampling = sampler.SampleUntilSendStopAsync(samplingStop.Token);
            if (!together && await Task.WhenAny(sampling, owner.Settled) == owner.Settled && owner.Established == 0)
            {
                await samplingStop.CancelAsync();
                await sampling;
                throw NoConnection(owner, connector, options);
            }

            await sampling;
            if (!together)
            {
                // Connections not attempted by the end of the measured window are not started any more.
                await stopConnecting.CancelAsync();
                await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None);
                WarnFailed(owner, connector, count, warnings, progress);
            }

            await RunPhases.DrainAsync(options, progress, Task.WhenAll(tasks.OfType<Task>()), options.ConnectTimeout + TimeSpan.FromSeconds(5));
            owner.Abort();
            await scanner;
            if (pacer is not null)
            {
                await pacer.Completion.Task.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }

            return TlsResult.Build(options, run, owner, ConnectPhaseOf(owner, connector), slots, shards, sampler, warnings, phase, cancellationToken.IsCancellationRequested);
        }
        finally
        {
            run?.Abort = true;
            owner.Abort();
            await stopConnecting.CancelAsync();
            await connector.Completion.Task.WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(tasks.OfType<Task>()).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// On the connect thread: a TCP connection of the connect phase goes to its slot for the handshake, once fewer
    /// than <see cref="TlsRun.MaxConcurrentOpens"/> are in progress; after the first, the phase waits for its
    /// handshake to settle (<see cref="TlsRun.FirstSettled"/>).
    /// </summary>
    private static void HandOver(TlsRun owner, TlsSlot slot, Task?[] tasks, int fd, long connectStartTs, ref bool handedOverFirst)
    {
        var socket = new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(fd, ownsHandle: true));
        owner.OnHandedOver();
        try
        {
            owner.Opening.Wait(owner.Aborted);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            owner.OnNotOpened(countAsFailed: false);
            return;
        }

        tasks[slot.Book.Index] = slot.RunAsync(socket, connectStartTs);
        if (!handedOverFirst)
        {
            handedOverFirst = true;
            try
            {
                owner.FirstSettled.Wait(owner.Aborted);
            }
            catch (OperationCanceledException)
            {
                // The run is torn down; the phase ends with it.
            }
        }
    }

    private static RunContext Context(LoadOptions options, LoadProfile profile, long loadStartTs, int count, IReadOnlyList<IPAddress> sources) =>
        new(options, profile, loadStartTs)
        {
            Sources = [.. sources.Select(a => RawSocketAddress.From(new IPEndPoint(a, 0)))],
            PerSource = Connector.PerSource(count, sources.Count),
        };

    /// <summary>The connect phase as the result counts it: TCP connects (the run core's) and the handshakes on top.</summary>
    private static ConnectPhase ConnectPhaseOf(TlsRun owner, Connector connector)
    {
        var tcp = connector.FailedBy;
        var c = owner.Counters;
        long[] handshakes = [c.ConnectRefused, c.ConnectReset, c.ConnectTimeout, c.ConnectOutOfPorts, c.ConnectOther];
        return new ConnectPhase(
            owner.Established, connector.Failed + owner.Failed, connector.NotAttempted + owner.NotAttempted,
            [.. tcp.Zip(handshakes, (a, b) => a + b)], connector.ConnectLatency, FirstError(owner, connector));
    }

    private static string? FirstError(TlsRun owner, Connector connector) =>
        owner.FirstErrorIsUntrusted ? owner.FirstError : connector.FirstError ?? owner.FirstError;

    /// <summary>Open model: the thread that sends the schedule over the slots' connections; null in the closed model.</summary>
    private static TlsPacer? StartPacer(RunContext run, TlsSlot[] slots, TlsRun owner)
    {
        if (!run.IsOpen)
        {
            return null;
        }

        var pacer = new TlsPacer(run, slots, () => owner.Settled.IsCompleted);
        pacer.Start();
        return pacer;
    }

    /// <summary>The connect phase of <c>--start together</c>: every slot opened or failed, with progress once a second.</summary>
    private static async Task WaitForOpensAsync(TlsRun owner, Connector connector, int count, IProgressSink progress, CancellationToken cancellationToken)
    {
        while (!owner.Settled.IsCompleted)
        {
            await Task.WhenAny(owner.Settled, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            progress.OnConnecting(connector.Attempted, count, connector.Failed + owner.Failed);
        }
    }

    /// <summary>Every 10 ms: timeouts, the drain deadline, idle connections to end or to wake (<see cref="TlsSlot.Scan"/>).</summary>
    private static async Task ScanAsync(RunContext run, TlsSlot[] slots, CancellationToken token)
    {
        using var timer = new PeriodicTimer(ScanPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                var now = Stopwatch.GetTimestamp();
                var target = run.IsOpen ? 0 : run.ActiveTargetAt(now);
                foreach (var slot in slots)
                {
                    slot.Scan(run, now, target);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private static LoadSetupException NoConnection(TlsRun owner, Connector connector, LoadOptions options) => owner.FirstErrorIsUntrusted
        ? new LoadSetupException(owner.FirstError!)
        : RunPhases.NoConnection(options, FirstError(owner, connector), kind: "TLS ");

    private static void WarnFailed(TlsRun owner, Connector connector, int count, List<string> warnings, IProgressSink progress) =>
        RunPhases.WarnConnectPhase(warnings, progress, count, connector.Failed + owner.Failed, FirstError(owner, connector), connector.NotAttempted + owner.NotAttempted, kind: "TLS ");

    private static TimeSpan ProcessCpu() => Environment.CpuUsage.TotalTime;
}
