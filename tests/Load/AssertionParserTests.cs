using EchoServers.Load.Assertions;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;

namespace EchoServers.Tests.Load;

public sealed class AssertionParserTests
{
    [Theory]
    [InlineData("p99<2ms", "p99", AssertionOperator.Less, 2000)]
    [InlineData("p99.9 <= 500us", "p99.9", AssertionOperator.LessOrEqual, 500)]
    [InlineData("max<1s", "max", AssertionOperator.Less, 1_000_000)]
    [InlineData("service-p50<100us", "service-p50", AssertionOperator.Less, 100)]
    [InlineData("errors==0", "errors", AssertionOperator.Equal, 0)]
    [InlineData("rate>=50000", "rate", AssertionOperator.GreaterOrEqual, 50000)]
    [InlineData("served>9", "served", AssertionOperator.Greater, 9)]
    [InlineData("mismatch!=0", "mismatch", AssertionOperator.NotEqual, 0)]
    [InlineData("valid", "valid", AssertionOperator.Equal, 1)]
    public void Parses(string text, string metric, AssertionOperator op, double threshold)
    {
        Assert.True(AssertionParser.TryParse(text, out var assertion, out var error), error);
        Assert.Equal(metric, assertion.Metric);
        Assert.Equal(op, assertion.Operator);
        Assert.Equal(threshold, assertion.Threshold);
    }

    [Theory]
    [InlineData("p99", "expected METRIC OP VALUE")]
    [InlineData("p99<2", "has no unit")]
    [InlineData("latency<2ms", "unknown metric 'latency'")]
    [InlineData("errors==none", "not a number")]
    public void Rejects(string text, string expected)
    {
        Assert.False(AssertionParser.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluates_against_a_result_and_names_the_failure()
    {
        var result = Result(p99: 2500, errors: 3, rate: 60000);
        Assert.True(Holds("p99<3ms", result));
        Assert.False(Holds("p99<2ms", result));
        Assert.False(Holds("errors==0", result));
        Assert.True(Holds("rate>=50000", result));
        Assert.False(Holds("valid", result));

        Assert.True(AssertionParser.TryParse("p99<2ms", out var assertion, out _));
        Assert.False(assertion.Holds(result, out var actual));
        Assert.Equal("p99<2ms failed: p99 is 2500us", assertion.Describe(actual));
    }

    private static bool Holds(string text, LoadResult result)
    {
        Assert.True(AssertionParser.TryParse(text, out var assertion, out var error), error);
        return assertion.Holds(result, out _);
    }

    internal static LoadResult Result(long p99, long errors, double rate)
    {
        var latency = new LatencySummary(100, 200, p99, p99, p99, p99, 150, 1000);
        return new LoadResult
        {
            Connections = new ConnectionCounts(10, 10, 0, 10),
            Messages = 1000,
            MessagesPerSecond = rate,
            LatencyUs = latency,
            ServiceTimeUs = latency,
            ConnectLatencyUs = LatencySummary.Empty,
            Errors = new ErrorCounts(errors, errors, 0, 0, 0, 0, 0, 0, 0),
            Valid = errors == 0,
            Target = "127.0.0.1:1",
            Model = "closed",
            Load = "keep-constant 10 for 1s",
            Framing = "raw",
            Expect = "echo",
            Size = "64",
            Generator = new GeneratorCost(0, 1, 1, 0, 0, 0, 0, 0, false),
            Warnings = [],
            PerSecond = [],
        };
    }
}
