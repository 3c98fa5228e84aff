using System.Globalization;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Assertions;

/// <summary>Comparison operators of an assertion.</summary>
public enum AssertionOperator
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>One <c>--assert</c>: a metric of the result compared with a threshold, e.g. <c>p99&lt;2ms</c>.</summary>
public sealed record Assertion(string Text, string Metric, AssertionOperator Operator, double Threshold, string Unit)
{
    /// <summary>Whether <paramref name="result"/> satisfies this assertion; <paramref name="actual"/> is the metric's value (in <see cref="Unit"/>).</summary>
    public bool Holds(LoadResult result, out double actual)
    {
        actual = AssertionParser.ValueOf(Metric, result);
        return Operator switch
        {
            AssertionOperator.Less => actual < Threshold,
            AssertionOperator.LessOrEqual => actual <= Threshold,
            AssertionOperator.Greater => actual > Threshold,
            AssertionOperator.GreaterOrEqual => actual >= Threshold,
            AssertionOperator.Equal => actual == Threshold,
            _ => actual != Threshold,
        };
    }

    /// <summary>A line naming the assertion and the value that broke it.</summary>
    public string Describe(double actual) =>
        $"{Text} failed: {Metric} is {actual.ToString("0.###", CultureInfo.InvariantCulture)}{Unit}";
}
