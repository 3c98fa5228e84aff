using System.Text.Json.Nodes;
using EchoServers.Load.Compare;
using EchoServers.Load.Distributed;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Tests.Distributed;

/// <summary>
/// Result files are collected from other machines: whatever is in them, reading one is either a result or a one-line
/// error naming the file and the field, and none of their strings reaches report.html unescaped.
/// </summary>
public sealed class ResultFileTests
{
    [Theory]
    [InlineData("perSecond", "$.perSecond")]
    [InlineData("connections", "$.connections")]
    [InlineData("latencyUs", "$.latencyUs")]
    [InlineData("warnings", "$.warnings")]
    [InlineData("target", "$.target")]
    public void ANullFieldIsAOneLineErrorNamingFileAndField(string key, string field)
    {
        var json = ValidJson();
        json[key] = null;

        var error = Assert.Throws<InvalidDataException>(() => JsonReport.Parse(json.ToJsonString(), "b.json"));

        Assert.StartsWith($"b.json: {field}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""{"perSecond":[null]}""", "b.json: $.perSecond[0]: is null")]
    [InlineData("""{"warnings":[null]}""", "b.json: $.warnings[0]: is null")]
    [InlineData("""{"messages":-1}""", "b.json: $.messages: -1 is out of range")]
    [InlineData("""{"messages":9223372036854775807}""", "b.json: $.messages: 9223372036854775807 is out of range")]
    [InlineData("""{"errors":{"total":1,"mismatch":-5,"reset":0,"eof":0,"timeout":0,"reorder":0,"missing":0,"overflow":0,"connect":0}}""", "b.json: $.errors.mismatch: -5 is out of range")]
    [InlineData("""{"connections":{"requested":1}}""", "b.json: $.connections: ")]
    [InlineData("""{"messages":"many"}""", "b.json: $.messages: ")]
    public void AnImpossibleValueIsAOneLineErrorNamingFileAndField(string patch, string expected)
    {
        var json = ValidJson();
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject())
        {
            json[key] = value?.DeepClone();
        }

        var error = Assert.Throws<InvalidDataException>(() => JsonReport.Parse(json.ToJsonString(), "b.json"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void TwoHugeCountsDoNotOverflowTheMerge()
    {
        // The largest count a file may hold, twice: the sum stays a long (before the check, long.MaxValue overflowed).
        var json = ValidJson();
        json["messages"] = 1_000_000_000_000_000;
        var result = JsonReport.Parse(json.ToJsonString(), "a.json");

        var merged = ResultMerger.Merge([("a.json", result), ("b.json", result)]);

        Assert.Equal(2_000_000_000_000_000, merged.Messages);
    }

    [Fact]
    public void ABrokenHdrLogNamesTheFile()
    {
        var json = ValidJson();
        json["hdrLog"] = "Tag=latency,0,1,2,bm90IGEgaGlzdG9ncmFt\n";
        var result = JsonReport.Parse(json.ToJsonString(), "c.json");

        var error = Assert.Throws<InvalidDataException>(() => ResultMerger.Merge([("c.json", result), ("c.json", result)]));

        Assert.StartsWith("c.json: hdrLog: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StringsFromAResultFileAreEscapedInTheHtmlReport()
    {
        const string Script = "<script>alert(1)</script>";
        var json = ValidJson();
        foreach (var key in new[] { "start", "target", "load", "framing", "expect", "size", "model", "engine" })
        {
            json[key] = Script;
        }

        json["warnings"] = new JsonArray(Script);
        json["perSecond"]![0]!["phase"] = Script;
        var result = JsonReport.Parse(json.ToJsonString(), "x.json");
        var merged = ResultMerger.Merge([("x.json", result), ("y.json", result)]);

        foreach (var html in new[] { HtmlReport.Html(result), HtmlReport.Html(merged) })
        {
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"messagesPerSecond":1,"latencyUs":{},"perSecond":[1,"x",null,{"phase":7}]}""")]
    [InlineData("""{"runs":[{"cell":1,"model":"a"},{"cell":"c","model":null},3]}""")]
    [InlineData("""{"runs":[{"cell":"c","model":"a","result":[],"idle":7}]}""")]
    public void CompareReadsOddShapesWithoutThrowing(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"compare-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var read = ReportReader.TryRead(path, out _, out var error);

            Assert.True(read || error.StartsWith(path, StringComparison.Ordinal), error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A complete result as <c>run --json</c> writes it, with its histograms.</summary>
    private static JsonObject ValidJson()
    {
        var histogram = Histograms.Create();
        histogram.RecordValue(120);
        var result = new LoadResult
        {
            Connections = new ConnectionCounts(1, 1, 0, 1),
            Messages = 1,
            MessagesPerSecond = 1,
            LatencyUs = LatencySummary.Of(histogram),
            ServiceTimeUs = LatencySummary.Of(histogram),
            ConnectUs = LatencySummary.Empty,
            Errors = new ErrorCounts(0, 0, 0, 0, 0, 0, 0, 0, 0),
            Valid = true,
            Target = "127.0.0.1:1",
            Model = "closed",
            Load = "keep-constant 1 for 1s",
            Framing = "line",
            Expect = "echo",
            Size = "64",
            Generator = new GeneratorCost(1, 1, 1, 1, 1, 0, 0, 0, false),
            Warnings = [],
            PerSecond = [new SecondSnapshot(1, "measure", 1, 1, 1, 120, 120, 120, 0, 1, 0, 1)],
            LatencyHistogram = histogram,
            ServiceHistogram = histogram,
        };
        return JsonNode.Parse(JsonReport.Serialize(result))!.AsObject();
    }
}
