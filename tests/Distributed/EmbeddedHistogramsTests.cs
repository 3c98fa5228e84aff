using EchoServers.Load.Distributed;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Tests.Distributed;

/// <summary>The histograms inside a JSON result survive encoding exactly, however many distinct values they hold.</summary>
public sealed class EmbeddedHistogramsTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(10_000)]
    [InlineData(200_000)]
    public void EveryBucketRoundTrips(int distinct)
    {
        // Values spread over the whole tracked range make a long counts payload: HdrHistogram 2.5.0's own log reader
        // reads the inflated payload with one Stream.Read and fails on it ("The buffer does not contain the
        // indicated payload amount", HdrHistogram.NET #99), which broke `echo-load merge` of long child runs.
        var random = new Random(distinct);
        var latency = Histograms.Create();
        var service = Histograms.Create();
        for (var i = 0; i < distinct; i++)
        {
            latency.RecordValueWithCount(1 + (long)(random.NextDouble() * random.NextDouble() * Histograms.HighestUs), 1 + random.Next(1_000));
            service.RecordValue(1 + random.Next(100_000));
        }

        var decoded = EmbeddedHistograms.Decode(EmbeddedHistograms.Encode([(EmbeddedHistograms.Latency, latency), (EmbeddedHistograms.Service, service), (EmbeddedHistograms.Connect, null)]));

        Assert.Equal([EmbeddedHistograms.Latency, EmbeddedHistograms.Service], decoded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Counts(latency), Counts(decoded[EmbeddedHistograms.Latency]));
        Assert.Equal(Counts(service), Counts(decoded[EmbeddedHistograms.Service]));
        Assert.Equal(latency.TotalCount, decoded[EmbeddedHistograms.Latency].TotalCount);
    }

    [Theory]
    [InlineData("cookie")]
    [InlineData("truncated")]
    [InlineData("not base64")]
    public void ACorruptPayloadIsAnInvalidDataError(string damage)
    {
        var histogram = Histograms.Create();
        histogram.RecordValue(42);
        var log = EmbeddedHistograms.Encode([(EmbeddedHistograms.Latency, histogram)]).TrimEnd();
        var payload = log[(log.LastIndexOf(',') + 1)..];
        var broken = damage switch
        {
            "cookie" => log.Replace(payload, "AAAA" + payload[4..], StringComparison.Ordinal),
            "truncated" => log.Replace(payload, Convert.ToBase64String(Convert.FromBase64String(payload)[..^6]), StringComparison.Ordinal),
            _ => log.Replace(payload, "%%" + payload, StringComparison.Ordinal),
        };

        var error = Assert.Throws<InvalidDataException>(() => EmbeddedHistograms.Decode(broken));
        Assert.StartsWith("hdrLog: a histogram payload cannot be decoded", error.Message, StringComparison.Ordinal);
    }

    private static List<(long Value, long Count)> Counts(HistogramBase histogram) =>
        [.. histogram.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo))];
}
