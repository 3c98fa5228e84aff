using System.CommandLine;
using System.Globalization;
using EchoServers.Load.Assertions;
using EchoServers.Load.Simulations;
using EchoServers.Load.Sweep;
using EchoServers.Protocol.Text;

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
    private readonly Option<string> _startRate = new("--start-rate") { Description = "First step's rate in msgs/s (then ×--step-factor while steps pass, ÷ it while they fail)", DefaultValueFactory = _ => "1000" };
    private readonly Option<string> _maxRate = new("--max-rate") { Description = "No step above this rate (msgs/s); reaching it while passing ends the sweep with \"capacity at least\"", DefaultValueFactory = _ => "10000000" };
    private readonly Option<string> _factor = new("--step-factor") { Description = "Geometric step between rates before the bisection", DefaultValueFactory = _ => "2" };
    private readonly Option<string> _precision = new("--precision") { Description = "Bisect until (first bad − last good) ÷ last good is at most this, e.g. 5% or 0.05", DefaultValueFactory = _ => "5%" };
    private readonly Option<string> _stepDuration = new("--step-duration") { Description = "Measured time of each step (after --warmup). 5s by default: a p99 then rests on ≥ 50 messages beyond it at 1,000 msgs/s, and a server just past its capacity has time to build a queue the objective sees; use 10s or more for p99.9 or rates under 1,000/s", DefaultValueFactory = _ => DefaultStepDuration };
    private readonly Option<int> _confirm = new("--confirm") { Description = "Re-run a failing rate this many times before the failure counts (ends the doubling or moves the bisection); any passing try makes the rate pass, since interference on a busy machine only adds latency. 0 trusts every first try", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _maxSteps = new("--max-steps") { Description = "At most this many tries in all, confirming re-runs included", DefaultValueFactory = _ => 40 };
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

        if (!TryRate(parse.GetValue(_startRate)!, "--start-rate", out var start, out error)
            || !TryRate(parse.GetValue(_maxRate)!, "--max-rate", out var max, out error)
            || !TryDuration(parse.GetValue(_stepDuration)!, "--step-duration", out var stepDuration, out error))
        {
            return false;
        }

        if (!double.TryParse(parse.GetValue(_factor), NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 1.01 || factor > 100)
        {
            error = $"--step-factor '{parse.GetValue(_factor)}' must be a number above 1.01 (and at most 100), e.g. 2";
            return false;
        }

        if (!TryFraction(parse.GetValue(_precision)!, out var precision) || precision <= 0 || precision >= 1)
        {
            error = $"--precision '{parse.GetValue(_precision)}' must be a share between 0 and 1, e.g. 5% or 0.05";
            return false;
        }

        if (max < start)
        {
            error = $"--max-rate {max.ToString(CultureInfo.InvariantCulture)} is below --start-rate {start.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        if (parse.GetValue(_maxSteps) < 1)
        {
            error = "--max-steps must be at least 1";
            return false;
        }

        if (parse.GetValue(_confirm) is < 0 or > 10)
        {
            error = $"--confirm: '{parse.GetValue(_confirm)}' is not a whole number from 0 to 10";
            return false;
        }

        settings = new SweepSettings
        {
            Confirm = parse.GetValue(_confirm),
            Objective = objective,
            StartRate = start,
            MaxRate = max,
            Factor = factor,
            Precision = precision,
            StepDuration = stepDuration,
            Warmup = run.Load.Warmup,
            MaxSteps = parse.GetValue(_maxSteps),
        };
        return true;
    }

    /// <summary>A share as <c>5%</c> or <c>0.05</c>.</summary>
    public static bool TryFraction(string text, out double value)
    {
        var percent = text.EndsWith('%');
        var ok = double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        value = percent ? value / 100 : value;
        return ok && double.IsFinite(value);
    }

    private static bool TryRate(string text, string name, out double rate, out string error)
    {
        rate = 0;
        error = string.Empty;
        if (LoadSimulationParser.TryParse($"inject {text} for 1s", out var steps, out _) && steps[0].From > 0)
        {
            rate = steps[0].From;
            return true;
        }

        error = $"{name} '{text}' is not a positive rate like 500, 0.5 or 30/m";
        return false;
    }

    private static bool TryDuration(string text, string name, out TimeSpan value, out string error)
    {
        if (!DurationText.TryParse(text, out value, out var reason))
        {
            error = $"{name}: {reason}";
            return false;
        }

        error = value > TimeSpan.Zero ? string.Empty : $"{name} must be positive (got {text})";
        return value > TimeSpan.Zero;
    }
}
