using System.Diagnostics;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The <see cref="LoadResult"/> of a run from its workers' counters and histograms, whichever engine made it: the
/// error and connect accounting, the starved connections, the open model's rate check, the generator's own cost and
/// the warnings that say when the run cannot be trusted.
/// </summary>
internal static class RunResult
{
    /// <summary>The result of a run from its workers' counters and histograms (either engine).</summary>
    public static LoadResult Build(
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

        var windows = loops.Select(l => l.AllocationWindow).OfType<AllocationWindow>().ToArray();
        var windowReplies = windows.Sum(w => w.Replies);
        var cost = sampler.Cost(messages, ioThreads) with
        {
            IoThreadAllocatedBytes = loops.Sum(l => l.AllocatedBytes),
            IoThreadAllocatedBytesPerMessage = windows.Length > 0 && windowReplies > 0 ? Math.Round(windows.Sum(w => w.Bytes) / (double)windowReplies, 3) : null,
        };
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
