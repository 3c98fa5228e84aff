using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Tests.Load;

public sealed class HistogramTests
{
    [Fact]
    public void Merging_per_thread_histograms_equals_recording_everything_in_one()
    {
        var random = new Random(1234);
        var parts = Enumerable.Range(0, 4).Select(_ => Histograms.Create()).ToArray();
        var whole = Histograms.Create();
        for (var i = 0; i < 100_000; i++)
        {
            // Log-uniform from 1 µs to ~1 s, like latencies.
            var value = (long)Math.Exp(random.NextDouble() * 14);
            parts[i % parts.Length].RecordValue(value);
            whole.RecordValue(value);
        }

        var merged = Histograms.Merge(parts);
        Assert.Equal(whole.TotalCount, merged.TotalCount);
        Assert.Equal(LatencySummary.Of(whole), LatencySummary.Of(merged));
    }

    [Fact]
    public void Values_beyond_the_range_are_clamped_not_lost()
    {
        var histogram = Histograms.Create();
        histogram.RecordValue(Histograms.Clamp(long.MaxValue));
        histogram.RecordValue(Histograms.Clamp(-5));
        Assert.Equal(2, histogram.TotalCount);
        Assert.True(histogram.GetMaxValue() >= Histograms.HighestUs);
    }

    [Fact]
    public void Recorder_intervals_add_up_to_the_total()
    {
        var recorder = Histograms.CreateRecorder();
        var interval = Histograms.Create();
        var total = Histograms.Create();
        for (var second = 0; second < 3; second++)
        {
            for (var i = 1; i <= 1000; i++)
            {
                recorder.RecordValue(i * (second + 1));
            }

            recorder.GetIntervalHistogramInto(interval);
            Assert.Equal(1000, interval.TotalCount);
            total.Add(interval);
        }

        Assert.Equal(3000, total.TotalCount);
        Assert.Equal(3000, total.GetMaxValue(), 3000 / 500.0); // 3 significant digits
    }

    [Fact]
    public void Hdr_log_round_trips_and_merges_across_runs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"echo-load-{Guid.NewGuid():N}.hlog");
        try
        {
            var latency = Histograms.Create();
            for (var i = 1; i <= 5000; i++)
            {
                latency.RecordValue(i);
            }

            var result = AssertionParserTests.Result(p99: 1, errors: 0, rate: 1) with { LatencyHistogram = latency, ServiceHistogram = latency.Copy() };
            HdrLogReport.Write(result, path, DateTime.UtcNow);
            var read = HdrLogReport.Read(path);
            Assert.Equal(2, read.Count);
            Assert.Equal("latency", read[0].Tag);
            Assert.Equal(latency.TotalCount, read[0].TotalCount);
            Assert.Equal(latency.GetValueAtPercentile(99), read[0].GetValueAtPercentile(99));
            var merged = Histograms.Merge(read.Cast<HistogramBase>());
            Assert.Equal(10_000, merged.TotalCount);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
