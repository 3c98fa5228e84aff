using System.Text;
using EchoServers.Load.Assertions;
using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using EchoServers.Load.Simulations;

namespace EchoServers.Fuzz;

/// <summary>The command-line syntaxes a user types: <c>--load</c> simulations and <c>--assert</c> expressions.</summary>
internal static class SyntaxTargets
{
    private static readonly LoadResult Result = new()
    {
        Connections = new ConnectionCounts(1, 1, 0, 1),
        LatencyUs = LatencySummary.Empty,
        ServiceTimeUs = LatencySummary.Empty,
        Errors = new ErrorCounts(0, 0, 0, 0, 0, 0, 0, 0, 0),
        Target = "127.0.0.1:1",
        Model = "closed",
        Load = "keep-constant 1 for 1s",
        Framing = "line",
        Expect = "echo",
        Size = "64",
        Generator = new GeneratorCost(0, 1, 1, 0, 0, 0, 0, 0, false),
        Warnings = [],
        PerSecond = [],
    };

    public static void Load(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (!LoadSimulationParser.TryParse(text, out var steps, out var error))
        {
            Check(!string.IsNullOrEmpty(error), "a rejected --load without a reason");
            return;
        }

        Check(steps.Count > 0, "an accepted --load with no step");
    }

    public static void Assert(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (!AssertionParser.TryParse(text, out var assertion, out var error))
        {
            Check(!string.IsNullOrEmpty(error), "a rejected --assert without a reason");
            return;
        }

        Check(double.IsFinite(assertion.Threshold), $"an accepted --assert with threshold {assertion.Threshold}");
        _ = assertion.Holds(Result, out var actual);
        _ = assertion.Describe(actual);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFinding(what);
        }
    }
}
