using System.Text;
using EchoServers.Load.Assertions;
using EchoServers.Load.Compare;
using EchoServers.Load.Distributed;
using EchoServers.Load.Measurement;

namespace EchoServers.Tests.Fuzz;

/// <summary>
/// Every input the fuzzers (scripts/fuzz.sh) found a crash with, replayed through the same checks as its fuzz target:
/// a reader of untrusted bytes either rejects the input with a one-line reason or returns something usable.
/// </summary>
public sealed class FuzzCrashTests
{
    private static byte[] Crash(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Crashes", name));

    [Theory]
    [InlineData("hdr-log-not-a-histogram")]
    [InlineData("hdr-log-wider-range")]
    [InlineData("hdr-log-inconsistent-counts")]
    [InlineData("hdr-log-tag-with-space")]
    public void A_bad_embedded_histogram_is_rejected_or_merges(string name)
    {
        Dictionary<string, HdrHistogram.HistogramBase> histograms;
        try
        {
            histograms = EmbeddedHistograms.Decode(Encoding.UTF8.GetString(Crash(name)));
        }
        catch (InvalidDataException ex)
        {
            Assert.DoesNotContain('\n', ex.Message);
            return;
        }

        foreach (var histogram in histograms.Values)
        {
            _ = LatencySummary.Of(Histograms.Merge([histogram, histogram]));
        }
    }

    [Fact]
    public void A_bench_file_that_is_not_json_gives_one_line_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"echo-fuzz-crash-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(path, Crash("bench-json-line-break-in-error"));
        try
        {
            Assert.False(ReportReader.TryRead(path, out _, out var error));
            Assert.StartsWith(path, error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_assert_with_an_infinite_threshold_is_rejected()
    {
        var text = Encoding.UTF8.GetString(Crash("assert-infinite-threshold"));
        Assert.False(AssertionParser.TryParse(text, out _, out var error));
        Assert.Contains("not a finite number", error, StringComparison.Ordinal);
    }
}
