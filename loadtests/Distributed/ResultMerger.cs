using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Distributed;

/// <summary>
/// One result from the results of several shares of one load (run at the same time, by <c>--share i/N</c> or by
/// <c>run --processes N</c>). Exact where it can be: histograms are added (percentiles of the union, not averages
/// of percentiles), counters and rates summed, per-second counters summed second by second. The per-second p50/p99
/// columns cannot be rebuilt from per-second percentiles: the merged ones are the largest of the shares' (an upper
/// bound), and the per-second maximum is exact.
/// </summary>
public static class ResultMerger
{
    public static LoadResult Merge(IReadOnlyList<(string Name, LoadResult Result)> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to merge", nameof(parts));
        }

        var histograms = parts.Select(p => HistogramsOf(p.Name, p.Result)).ToList();
        var latency = Sum(histograms, EmbeddedHistograms.Latency)!;
        var service = Sum(histograms, EmbeddedHistograms.Service)!;
        var lateness = Sum(histograms, EmbeddedHistograms.Lateness);
        var connect = Sum(histograms, EmbeddedHistograms.Connect);
        var firstReply = Sum(histograms, EmbeddedHistograms.FirstReply);
        var handshake = Sum(histograms, EmbeddedHistograms.Handshake);
        var results = parts.Select(p => p.Result).ToList();
        var first = results[0];
        var warnings = new List<string>();
        foreach (var (name, result) in parts)
        {
            warnings.AddRange(result.Warnings.Select(w => $"{name}: {w}"));
        }

        var messages = results.Sum(r => r.Messages);
        var duration = results.Max(r => r.DurationSeconds);
        var targetRate = results.All(r => r.TargetRate is null) ? (double?)null : results.Sum(r => r.TargetRate ?? 0);
        var achievedRate = results.All(r => r.AchievedRate is null) ? (double?)null : results.Sum(r => r.AchievedRate ?? 0);
        var errors = new ErrorCounts(
            results.Sum(r => r.Errors.Total),
            results.Sum(r => r.Errors.Mismatch),
            results.Sum(r => r.Errors.Reset),
            results.Sum(r => r.Errors.Eof),
            results.Sum(r => r.Errors.Timeout),
            results.Sum(r => r.Errors.Reorder),
            results.Sum(r => r.Errors.Missing),
            results.Sum(r => r.Errors.Overflow),
            results.Sum(r => r.Errors.Connect),
            results.Sum(r => r.Errors.Starved));
        return first with
        {
            Connections = new ConnectionCounts(
                results.Sum(r => r.Connections.Requested),
                results.Sum(r => r.Connections.Established),
                results.Sum(r => r.Connections.Failed),
                results.Sum(r => r.Connections.Served)),
            Messages = messages,

            // Each share's rate is over its own measured window; the windows overlap, so the rates add.
            MessagesPerSecond = Math.Round(results.Sum(r => r.MessagesPerSecond), 1),
            BytesPerSecond = Math.Round(results.Sum(r => r.BytesPerSecond), 1),
            LatencyUs = LatencySummary.Of(latency),
            ServiceTimeUs = LatencySummary.Of(service),
            SendLatenessUs = lateness is null ? null : LatencySummary.Of(lateness),
            ConnectUs = connect is null ? LatencySummary.Empty : LatencySummary.Of(connect),
            FirstReplyUs = firstReply is null ? LatencySummary.Empty : LatencySummary.Of(firstReply),
            Connects = results.Sum(r => r.Connects),
            ConnectsPerSecond = Math.Round(results.Sum(r => r.ConnectsPerSecond), 1),
            Reconnects = results.Sum(r => r.Reconnects),
            ConnectFailures = new ConnectFailureCounts(
                results.Sum(r => r.ConnectFailures.Total),
                results.Sum(r => r.ConnectFailures.Refused),
                results.Sum(r => r.ConnectFailures.Reset),
                results.Sum(r => r.ConnectFailures.Timeout),
                results.Sum(r => r.ConnectFailures.OutOfPorts),
                results.Sum(r => r.ConnectFailures.Other)),
            Starved = results.Sum(r => r.Starved),
            Fairness = FairnessSummary.Merge([.. results.Select(r => r.Fairness)]),
            Errors = errors,
            Valid = results.All(r => r.Valid),
            Target = Distinct(results.Select(r => r.Target)),
            Load = Distinct(results.Select(r => r.Load)) + $" ({parts.Count} shares merged)",
            DurationSeconds = duration,
            TargetRate = targetRate is { } t ? Math.Round(t, 3) : null,
            AchievedRate = achievedRate is { } a ? Math.Round(a, 3) : null,
            Generator = Cost(results, messages, duration),
            Warnings = warnings,
            PerSecond = MergeSeconds(results),
            LatencyHistogram = latency,
            ServiceHistogram = service,
            LatenessHistogram = lateness,
            ConnectHistogram = connect,
            FirstReplyHistogram = firstReply,
            Tls = TlsMerger.Merge(results, handshake),
            HandshakeHistogram = handshake,
            HdrLog = null,
        };
    }

    private static Dictionary<string, HistogramBase> HistogramsOf(string name, LoadResult result)
    {
        if (result.LatencyHistogram is not null && result.ServiceHistogram is not null)
        {
            var own = new Dictionary<string, HistogramBase>
            {
                [EmbeddedHistograms.Latency] = result.LatencyHistogram,
                [EmbeddedHistograms.Service] = result.ServiceHistogram,
            };
            if (result.LatenessHistogram is { } lateness)
            {
                own[EmbeddedHistograms.Lateness] = lateness;
            }

            if (result.ConnectHistogram is { } connect)
            {
                own[EmbeddedHistograms.Connect] = connect;
            }

            if (result.FirstReplyHistogram is { } firstReply)
            {
                own[EmbeddedHistograms.FirstReply] = firstReply;
            }

            if (result.HandshakeHistogram is { } handshake)
            {
                own[EmbeddedHistograms.Handshake] = handshake;
            }

            return own;
        }

        if (string.IsNullOrEmpty(result.HdrLog))
        {
            throw new InvalidDataException($"{name} has no histograms (no 'hdrLog' key: written by an older echo-load?); percentiles cannot be merged exactly");
        }

        Dictionary<string, HistogramBase> decoded;
        try
        {
            decoded = EmbeddedHistograms.Decode(result.HdrLog);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{name}: {ex.Message}", ex);
        }

        if (!decoded.ContainsKey(EmbeddedHistograms.Latency) || !decoded.ContainsKey(EmbeddedHistograms.Service))
        {
            throw new InvalidDataException($"{name}: its 'hdrLog' lacks the latency or service histogram");
        }

        return decoded;
    }

    private static LongHistogram? Sum(List<Dictionary<string, HistogramBase>> parts, string tag)
    {
        var present = parts.Where(p => p.ContainsKey(tag)).Select(p => p[tag]).ToList();
        return present.Count == 0 ? null : Histograms.Merge(present);
    }

    private static string Distinct(IEnumerable<string> values) => string.Join(" + ", values.Distinct());

    private static GeneratorCost Cost(List<LoadResult> results, long messages, double duration)
    {
        var cpuMs = results.Sum(r => r.Generator.CpuMs);
        var cores = results.Sum(r => r.Generator.Cores);
        return new GeneratorCost(
            CpuMs: Math.Round(cpuMs, 1),
            Cores: cores,
            IoThreads: results.Sum(r => r.Generator.IoThreads),

            // Shares on one machine each count the machine's cores: this is the shares' sum of "percent of my cores".
            CpuPercentOfCores: Math.Round(results.Sum(r => r.Generator.CpuPercentOfCores), 1),
            CpuUsPerMessage: messages == 0 ? 0 : Math.Round(cpuMs * 1000 / messages, 3),
            GcPauseMs: Math.Round(results.Sum(r => r.Generator.GcPauseMs), 2),
            Gen0Collections: results.Sum(r => r.Generator.Gen0Collections),
            AllocatedBytesPerMessage: messages == 0 ? 0 : Math.Round(results.Sum(r => r.Generator.AllocatedBytesPerMessage * r.Messages) / messages, 3),
            LikelyBottleneck: results.Any(r => r.Generator.LikelyBottleneck),
            IoThreadAllocatedBytes: results.Sum(r => r.Generator.IoThreadAllocatedBytes),
            IoThreadAllocatedBytesPerMessage: messages == 0 || results.Any(r => r.Generator.IoThreadAllocatedBytesPerMessage is null)
                ? null
                : Math.Round(results.Sum(r => r.Generator.IoThreadAllocatedBytesPerMessage!.Value * r.Messages) / messages, 3));
    }

    /// <summary>Second k of the merge is second k of every share (shares start together: <c>--start-at</c>).</summary>
    private static List<SecondSnapshot> MergeSeconds(List<LoadResult> results)
    {
        var length = results.Max(r => r.PerSecond.Count);
        var merged = new List<SecondSnapshot>(length);
        for (var i = 0; i < length; i++)
        {
            var rows = results.Where(r => i < r.PerSecond.Count).Select(r => r.PerSecond[i]).ToList();
            merged.Add(new SecondSnapshot(
                rows[0].Second,
                rows[0].Phase,
                rows.Sum(s => s.Messages),
                rows.Sum(s => s.MessagesPerSecond),
                rows.Sum(s => s.Sent),
                rows.Max(s => s.P50Us),
                rows.Max(s => s.P99Us),
                rows.Max(s => s.MaxUs),
                rows.Sum(s => s.Errors),
                rows.Sum(s => s.ActiveConnections),
                rows.Max(s => s.SendLatenessP99Us),
                rows.Sum(s => s.CpuPercent)));
        }

        return merged;
    }
}
