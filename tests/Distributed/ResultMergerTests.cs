using EchoServers.Load.Distributed;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Tests.Distributed;

/// <summary><c>echo-load merge</c>: histograms added exactly through the JSON results, counters and series summed.</summary>
public sealed class ResultMergerTests
{
    [Fact]
    public void MergeOfTwoResultsHasTheHistogramOfTheUnion()
    {
        // Two very different shares: averaging their p99s would be far from the p99 of the union.
        var random = new Random(7);
        var fast = Enumerable.Range(0, 20_000).Select(_ => (long)random.Next(50, 150)).ToArray();
        var slow = Enumerable.Range(0, 500).Select(_ => (long)random.Next(5_000, 90_000)).ToArray();
        var union = Histogram([.. fast, .. slow]);

        var a = RoundTrip(Result(Histogram(fast), messages: fast.Length, errors: 0, seconds: [10, 20]));
        var b = RoundTrip(Result(Histogram(slow), messages: slow.Length, errors: 3, seconds: [1, 2, 4]));
        var merged = ResultMerger.Merge([("a.json", a), ("b.json", b)]);

        Assert.Equal(Counts(union), Counts(merged.LatencyHistogram!));
        Assert.Equal(LatencySummary.Of(union), merged.LatencyUs);
        Assert.Equal(union.TotalCount, merged.ServiceTimeUs.Count);
        Assert.Equal(fast.Length + slow.Length, merged.Messages);
        Assert.Equal(new ErrorCounts(3, 3, 0, 0, 0, 0, 0, 0, 0), merged.Errors);
        Assert.Equal(new ConnectionCounts(20, 20, 0, 20), merged.Connections);
        Assert.False(merged.Valid);
        Assert.Equal([11L, 22, 4], merged.PerSecond.Select(s => s.Messages));

        // And the merged result survives its own JSON round trip, so merges merge again.
        Assert.Equal(Counts(union), Counts(RoundTrip(merged) is var again && again.HdrLog is { } log ? EmbeddedHistograms.Decode(log)[EmbeddedHistograms.Latency] : null!));
    }

    [Fact]
    public void TlsFiguresOfEveryShareAreAddedAndTheHandshakeTimesMergedExactly()
    {
        // Each share's handshakes; merge once kept only the first share's tls object.
        var handshakesA = Histogram([300, 400, 500]);
        var handshakesB = Histogram([20_000, 30_000]);
        var union = Histogram([300, 400, 500, 20_000, 30_000]);
        var a = RoundTrip(Result(Histogram([100]), 400, 0, [400]) with { Engine = "tls", Tls = Tls(handshakes: 3, measured: 2, failures: 1, cpu: 100, handshakesA), HandshakeHistogram = handshakesA });
        var b = RoundTrip(Result(Histogram([200]), 800, 0, [800]) with { Engine = "tls", Tls = Tls(handshakes: 2, measured: 6, failures: 0, cpu: 300, handshakesB), HandshakeHistogram = handshakesB });

        var merged = ResultMerger.Merge([("a.json", a), ("b.json", b)]);

        var tls = Assert.IsType<TlsSummary>(merged.Tls);
        Assert.Equal(5, tls.Handshakes);
        Assert.Equal(8, tls.MeasuredHandshakes);
        Assert.Equal(1, tls.HandshakeFailures);
        Assert.Equal(2 + 6, tls.HandshakesPerSecond);
        Assert.Equal(LatencySummary.Of(union), tls.HandshakeUs);
        Assert.Equal((100.0 * 2 + 300 * 6) / 8, tls.GeneratorCpuUsPerHandshake);
        Assert.Equal("tls", merged.Engine);

        // The merged handshakes survive the merged result's own JSON round trip.
        Assert.Equal(LatencySummary.Of(union), RoundTrip(merged).Tls!.HandshakeUs);
    }

    private static TlsSummary Tls(long handshakes, long measured, long failures, double cpu, LongHistogram times) => new()
    {
        Negotiated = "TLS 1.3, TLS_AES_256_GCM_SHA384",
        Trust = "not verified (--insecure)",
        ServerName = "127.0.0.1",
        Handshakes = handshakes,
        MeasuredHandshakes = measured,
        HandshakesPerSecond = measured,
        HandshakeFailures = failures,
        HandshakeUs = LatencySummary.Of(times),
        GeneratorCpuUsPerHandshake = cpu,
        GeneratorCpuBasis = "connect phase",
    };

    [Fact]
    public void ConnectionAccountingOfTheSharesAddsUp()
    {
        // Per-connection reply counts of two shares; the merged fairness must be that of the union of connections.
        long[] even = [100, 100, 100, 100];
        long[] skewed = [10, 0, 400, 90, 50, 250];
        var union = FairnessSummary.Of([.. even, .. skewed]);
        var firstA = Histogram([1_000, 2_000, 3_000]);
        var firstB = Histogram([900_000, 5_000_000]);
        var a = RoundTrip(Result(Histogram([100]), 400, 0, [400]) with
        {
            Fairness = FairnessSummary.Of([.. even]),
            FirstReplyHistogram = firstA,
            Connects = 40,
            ConnectsPerSecond = 4,
            Reconnects = 1,
            ConnectFailures = new ConnectFailureCounts(3, 2, 1, 0, 0, 0),
        });
        var b = RoundTrip(Result(Histogram([200]), 800, 1, [800]) with
        {
            Fairness = FairnessSummary.Of([.. skewed]),
            FirstReplyHistogram = firstB,
            Starved = 1,
            Errors = new ErrorCounts(1, 0, 0, 0, 0, 0, 0, 0, 0, Starved: 1),
            Connects = 60,
            ConnectsPerSecond = 6.5,
            Reconnects = 2,
            ConnectFailures = new ConnectFailureCounts(4, 0, 0, 4, 0, 0),
        });

        var merged = ResultMerger.Merge([("a.json", a), ("b.json", b)]);

        Assert.Equal(union.Jain, merged.Fairness.Jain);
        Assert.Equal(union.MinShare, merged.Fairness.MinShare);
        Assert.Equal(union.MaxShare, merged.Fairness.MaxShare);
        Assert.Equal(10, merged.Fairness.Connections);
        Assert.Equal(LatencySummary.Of(Histograms.Merge([firstA, firstB])), merged.FirstReplyUs);
        Assert.Equal(1, merged.Starved);
        Assert.Equal(1, merged.Errors.Starved);
        Assert.Equal(100, merged.Connects);
        Assert.Equal(10.5, merged.ConnectsPerSecond);
        Assert.Equal(3, merged.Reconnects);
        Assert.Equal(new ConnectFailureCounts(7, 2, 1, 4, 0, 0), merged.ConnectFailures);
    }

    [Fact]
    public void AResultWithoutHistogramsIsRefusedNotAveraged()
    {
        var bare = Result(null, 1, 0, [1]);
        var error = Assert.Throws<InvalidDataException>(() => ResultMerger.Merge([("old.json", bare), ("old2.json", bare)]));
        Assert.Contains("old.json has no histograms", error.Message, StringComparison.Ordinal);
    }

    private static LongHistogram Histogram(long[] values)
    {
        var histogram = Histograms.Create();
        foreach (var value in values)
        {
            histogram.RecordValue(value);
        }

        return histogram;
    }

    private static List<(long Value, long Count)> Counts(HistogramBase histogram) =>
        [.. histogram.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo))];

    private static LoadResult RoundTrip(LoadResult result)
    {
        var path = Path.Combine(Path.GetTempPath(), $"merge-{Guid.NewGuid():N}.json");
        try
        {
            JsonReport.Write(result, path);
            return JsonReport.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static LoadResult Result(LongHistogram? latency, long messages, long errors, long[] seconds) => new()
    {
        Connections = new ConnectionCounts(10, 10, 0, 10),
        Messages = messages,
        MessagesPerSecond = messages,
        LatencyUs = latency is null ? LatencySummary.Empty : LatencySummary.Of(latency),
        ServiceTimeUs = latency is null ? LatencySummary.Empty : LatencySummary.Of(latency),
        Errors = new ErrorCounts(errors, errors, 0, 0, 0, 0, 0, 0, 0),
        Valid = errors == 0,
        Target = "127.0.0.1:1",
        Model = "open",
        Load = "inject 10/s for 1s",
        Framing = "raw",
        Expect = "echo",
        Size = "64",
        Generator = new GeneratorCost(10, 1, 1, 1, 1, 0, 0, 0, false),
        Warnings = [],
        PerSecond = [.. seconds.Select((m, i) => new SecondSnapshot(i + 1, "measure", m, m, m, 1, 2, 3, 0, 10, 0, 1))],
        LatencyHistogram = latency,
        ServiceHistogram = latency,
    };
}
