using System.CommandLine;
using System.Globalization;
using EchoServers.Load.Assertions;
using EchoServers.Load.Sweep;
using EchoServers.Options;

namespace EchoServers.Load.Cli;

/// <summary>
/// The options of <c>sweep</c>: <c>run</c>'s engine options (target, framing, size, connections, …, through
/// <see cref="RunCommandOptions"/>) and the sweep's own (objective, rates, steps, outputs).
/// </summary>
internal sealed class SweepCommandOptions
{
    /// <summary>The default step: long enough for a p99 to rest on enough messages past it (see --step-duration's help).</summary>
    public const string DefaultStepDuration = "5s";

    private readonly RunCommandOptions _run = new();
    private readonly Option<string[]> _objective = new("--objective") { Description = "What every step must meet, in --assert's vocabulary, e.g. \"p99<1ms\"; repeatable (all must hold). A step also fails below 99 % of its target rate or with any error", Arity = ArgumentArity.OneOrMore, Required = true };
    private readonly ValueOption<double> _startRate = new("--start-rate", ValueParsers.PositiveRate, "First step's rate in msgs/s (then ×--step-factor while steps pass, ÷ it while they fail)", "1000") { HelpName = "rate" };
    private readonly ValueOption<double> _maxRate = new("--max-rate", ValueParsers.PositiveRate, "No step above this rate (msgs/s); reaching it while passing ends the sweep with \"capacity at least\"", "10000000") { HelpName = "rate" };
    private readonly ValueOption<double> _factor = new("--step-factor", ValueParsers.Number(1.01, 100), "Geometric step between rates before the bisection", "2");
    private readonly ValueOption<double> _precision = new("--precision", ValueParsers.ShareWithin(0, 1, open: true), "Bisect until (first bad − last good) ÷ last good is at most this, e.g. 5% or 0.05", "5%") { HelpName = "share" };
    private readonly ValueOption<TimeSpan> _stepDuration = new("--step-duration", ValueParsers.PositiveDuration, "Measured time of each step (after --warmup). 5s by default: a p99 then rests on ≥ 50 messages beyond it at 1,000 msgs/s, and a server just past its capacity has time to build a queue the objective sees; use 10s or more for p99.9 or rates under 1,000/s", DefaultStepDuration) { HelpName = "duration" };
    private readonly ValueOption<int> _confirm = new("--confirm", ValueParsers.Count(0, 10), "Re-run a failing rate this many times before the failure counts (ends the doubling or moves the bisection); any passing try makes the rate pass, since interference on a busy machine only adds latency. 0 trusts every first try", "1");
    private readonly ValueOption<int> _maxSteps = new("--max-steps", ValueParsers.Count(1, 1000), "At most this many tries in all, confirming re-runs included", "40");
    private readonly Option<string?> _json = new("--json") { Description = "Write the sweep (every step, the capacity, what limited it) as JSON to this file" };
    private readonly Option<string?> _report = new("--report") { Description = "Write sweep.md and sweep.html (self-contained, latency-vs-throughput chart) into this directory" };

    public IEnumerable<Option> All => [.. _run.SharedWithSweep, _objective, _startRate, _maxRate, _factor, _precision, _stepDuration, _confirm, _maxSteps, _json, _report];

    public bool TryBind(ParseResult parse, out BoundRunOptions run, out SweepSettings settings, out string? jsonPath, out string? reportDirectory, out string error)
    {
        settings = null!;
        jsonPath = parse.GetValue(_json);
        reportDirectory = parse.GetValue(_report);
        if (!_run.TryBind(parse, out run, out error))
        {
            return false;
        }

        var objective = new List<Assertion>();
        foreach (var text in parse.GetValue(_objective) ?? [])
        {
            if (!AssertionParser.TryParse(text, out var assertion, out error))
            {
                error = error.Replace("--assert", "--objective", StringComparison.Ordinal);
                return false;
            }

            objective.Add(assertion);
        }

        var start = _startRate.ValueIn(parse);
        var max = _maxRate.ValueIn(parse);
        if (max < start)
        {
            error = $"--max-rate {max.ToString(CultureInfo.InvariantCulture)} is below --start-rate {start.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        settings = new SweepSettings
        {
            Confirm = _confirm.ValueIn(parse),
            Objective = objective,
            StartRate = start,
            MaxRate = max,
            Factor = _factor.ValueIn(parse),
            Precision = _precision.ValueIn(parse),
            StepDuration = _stepDuration.ValueIn(parse),
            Warmup = run.Load.Warmup,
            MaxSteps = _maxSteps.ValueIn(parse),
        };
        return true;
    }
}
