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
    [InlineData("first_reply.p99<1s", "first_reply.p99", AssertionOperator.Less, 1_000_000)]
    [InlineData("first-reply.max <= 5s", "first_reply.max", AssertionOperator.LessOrEqual, 5_000_000)]
    [InlineData("connect.p99<10ms", "connect.p99", AssertionOperator.Less, 10_000)]
    [InlineData("fairness>0.9", "fairness", AssertionOperator.Greater, 0.9)]
    [InlineData("min_share>=0.5", "min_share", AssertionOperator.GreaterOrEqual, 0.5)]
    [InlineData("starved==0", "starved", AssertionOperator.Equal, 0)]
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
    [InlineData("first_reply.p99<1", "has no unit")]
    [InlineData("first_reply.p42<1s", "unknown metric")]
    [InlineData("fairness>high", "not a number")]
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

    [Fact]
    public void Evaluates_first_reply_starved_and_fairness()
    {
        var result = Result(p99: 100, errors: 0, rate: 1) with
        {
            FirstReplyUs = new LatencySummary(1000, 2000, 1_500_000, 1_600_000, 1_700_000, 1_800_000, 900, 10),
            ConnectUs = new LatencySummary(10, 20, 30, 40, 50, 60, 20, 10),
            Starved = 3,
            Fairness = new FairnessSummary(0.7, 0, 0.9, 3),
        };
        Assert.False(Holds("first_reply.p99<1s", result));
        Assert.True(Holds("first_reply.p50<2ms", result));
        Assert.True(Holds("connect.max<100us", result));
        Assert.False(Holds("fairness>0.9", result));
        Assert.True(Holds("fairness>0.6", result));
        Assert.False(Holds("starved==0", result));
        Assert.True(Holds("max_share>2", result));

        Assert.True(AssertionParser.TryParse("first_reply.p99<1s", out var assertion, out _));
        Assert.False(assertion.Holds(result, out var actual));
        Assert.Equal("first_reply.p99<1s failed: first_reply.p99 is 1500000us", assertion.Describe(actual));
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
