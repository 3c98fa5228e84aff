using System.Net;
using EchoServers.Load.Measurement;
using EchoServers.Load.Metrics;

namespace EchoServers.Tests.Metrics;

/// <summary>echo-load's live metrics without a run: the latency buckets, the text format, and the endpoint.</summary>
public sealed class LoadMetricsTests
{
    [Fact]
    public void LatencyBucketsAreCumulativeAndNeverCountAValueUnderABoundItMayExceed()
    {
        var second = Histograms.Create();
        second.RecordValueWithCount(30, 10);
        second.RecordValueWithCount(600, 5);
        second.RecordValue(20_000_000);
        var buckets = new LatencyBuckets();
        buckets.Add(second);
        buckets.Add(second);

        long At(long boundUs) => buckets.Cumulative[Array.IndexOf(LatencyBuckets.BoundsUs, boundUs)];
        Assert.Equal(0, At(25));
        Assert.Equal(20, At(50));
        Assert.Equal(20, At(500));
        Assert.Equal(30, At(1_000));
        Assert.Equal(30, At(10_000_000));
        Assert.Equal(32, buckets.Count);
    }

    [Fact]
    public async Task EndpointServesTheTextFormatAtMetricsOnly()
    {
        await using var endpoint = MetricsEndpoint.Start(new IPEndPoint(IPAddress.Loopback, 0), new LoadMetrics());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri($"http://{endpoint.EndPoint}/metrics"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var scrape = await Scrape.GetAsync(new Uri($"http://{endpoint.EndPoint}/metrics"));
        Assert.Equal(0, scrape.Sum("echoload_messages_answered_total"));
        Assert.Equal(0, scrape.Sum("echoload_latency_seconds_bucket", "le=\"+Inf\""));
        Assert.Equal(LatencyBuckets.BoundsUs.Length + 1, scrape.Of("echoload_latency_seconds_bucket").Count());

        // Every sample's family is declared with a TYPE line, as Prometheus's parser expects.
        foreach (var name in scrape.Samples.Select(s => s.Name).Distinct())
        {
            var family = name.EndsWith("_bucket", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal)
                ? name[..name.LastIndexOf('_')]
                : name;
            Assert.Contains($"# TYPE {family} ", scrape.Text, StringComparison.Ordinal);
        }

        using var missing = await http.GetAsync(new Uri($"http://{endpoint.EndPoint}/other"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
