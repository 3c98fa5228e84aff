using EchoServers.Load.Engine;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Sweep;

/// <summary>
/// The capacity search: geometric steps from the start rate (×<see cref="SweepSettings.Factor"/> while they pass; ÷
/// it while they fail, when even the first failed), then a bisection between the last good and the first bad rate
/// until they are within <see cref="SweepSettings.Precision"/>. A step the generator limited ends the search: the
/// capacity is then only "at least the last good rate", never the generator's ceiling.
/// </summary>
/// <param name="settings">The steps and the objective.</param>
/// <param name="runStep">Runs one step at a rate (msgs/s) and judges it (<see cref="SweepJudge"/>).</param>
/// <param name="onStep">Called after each step (progress).</param>
public sealed class SweepRunner(SweepSettings settings, Func<double, CancellationToken, Task<SweepStep>> runStep, Action<SweepStep>? onStep = null)
{
    /// <summary>Going down from a failing start rate stops at start ÷ this: lower, the objective is out of reach anyway.</summary>
    private const double MaxDescent = 64;

    private readonly List<SweepStep> _steps = [];

    /// <summary>A step function over the real engine: <paramref name="baseOptions"/> with the rate, duration and warm-up of each step.</summary>
    public static Func<double, CancellationToken, Task<SweepStep>> EngineStep(LoadOptions baseOptions, SweepSettings settings) =>
        async (rate, cancellationToken) =>
        {
            var options = baseOptions with { Rate = rate, Steps = null, Duration = settings.StepDuration, Warmup = settings.Warmup };
            var result = await LoadRunner.RunAsync(options, NullProgressSink.Instance, cancellationToken);
            return SweepJudge.Judge(result, settings);
        };

    /// <summary>Runs the search; <paramref name="name"/>, <paramref name="target"/> and <paramref name="load"/> label the result.</summary>
    public async Task<SweepResult> RunAsync(string name, string target, string load, CancellationToken cancellationToken)
    {
        SweepStep? good = null, bad = null, generator = null;
        var limit = SweepLimit.Incomplete;
        var rate = Math.Min(settings.StartRate, settings.MaxRate);
        while (CanRun(cancellationToken))
        {
            var step = await StepAsync(rate, "geometric", cancellationToken);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (step.Passed)
            {
                good = step;
                if (bad is not null)
                {
                    break;
                }

                if (rate >= settings.MaxRate)
                {
                    limit = SweepLimit.MaxRate;
                    break;
                }

                rate = Math.Min(rate * settings.Factor, settings.MaxRate);
            }
            else if (step.GeneratorLimit is not null)
            {
                generator = step;
                limit = SweepLimit.Generator;
                break;
            }
            else
            {
                bad = step;
                if (good is not null)
                {
                    break;
                }

                // Even the start rate failed: go down until a rate passes, so there is something to bisect.
                rate /= settings.Factor;
                if (rate < settings.StartRate / MaxDescent * 0.999)
                {
                    limit = SweepLimit.Server;
                    break;
                }
            }
        }

        while (limit == SweepLimit.Incomplete && good is not null && bad is not null
            && (bad.TargetRate - good.TargetRate) / good.TargetRate > settings.Precision && CanRun(cancellationToken))
        {
            var step = await StepAsync((good.TargetRate + bad.TargetRate) / 2, "bisect", cancellationToken);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (step.Passed)
            {
                good = step;
            }
            else if (step.GeneratorLimit is not null)
            {
                generator = step;
                limit = SweepLimit.Generator;
            }
            else
            {
                bad = step;
            }
        }

        if (limit == SweepLimit.Incomplete && good is not null && bad is not null
            && (bad.TargetRate - good.TargetRate) / good.TargetRate <= settings.Precision)
        {
            limit = SweepLimit.Server;
        }

        return new SweepResult
        {
            Name = name,
            Target = target,
            Objective = settings.ObjectiveText,
            ObjectiveLatencyUs = settings.Objective.FirstOrDefault(a => a.Unit == "us")?.Threshold,
            Load = load,
            StartRate = settings.StartRate,
            MaxRate = settings.MaxRate,
            Precision = settings.Precision,
            StepDurationSeconds = settings.StepDuration.TotalSeconds,
            WarmupSeconds = settings.Warmup.TotalSeconds,
            Steps = [.. _steps],
            Capacity = good?.TargetRate,
            CapacityIsLowerBound = limit is SweepLimit.Generator or SweepLimit.MaxRate,
            FirstFailedRate = bad?.TargetRate,
            Limit = limit,
            Conclusion = Conclude(limit, good, bad, generator, cancellationToken.IsCancellationRequested),
        };
    }

    private bool CanRun(CancellationToken cancellationToken) => _steps.Count < settings.MaxSteps && !cancellationToken.IsCancellationRequested;

    private async Task<SweepStep> StepAsync(double rate, string phase, CancellationToken cancellationToken)
    {
        var step = await runStep(rate, cancellationToken) with { Index = _steps.Count + 1, Phase = phase };
        if (!cancellationToken.IsCancellationRequested)
        {
            _steps.Add(step);
            onStep?.Invoke(step);
        }

        return step;
    }

    private string Conclude(SweepLimit limit, SweepStep? good, SweepStep? bad, SweepStep? generator, bool cancelled)
    {
        var objective = settings.ObjectiveText;
        var goodText = good is null ? null : $"{Format.Rate(good.TargetRate)} msgs/s";
        return limit switch
        {
            SweepLimit.Server when good is null =>
                $"no rate down to {Format.Rate(bad?.TargetRate ?? 0)} msgs/s met {objective}: {string.Join("; ", bad?.Failures ?? [])}",
            SweepLimit.Server =>
                $"capacity {goodText} under {objective} (the server failed at {Format.Rate(bad!.TargetRate)} msgs/s: {string.Join("; ", bad.Failures)})",
            SweepLimit.Generator =>
                $"the GENERATOR's ceiling, not the server's, was reached at {Format.Rate(generator!.TargetRate)} msgs/s ({generator.GeneratorLimit}); "
                + (good is null ? "the server's capacity was not measured" : $"the server's capacity under {objective} is at least {goodText}")
                + " — give the generator more cores, or run several generators",
            SweepLimit.MaxRate => $"met {objective} up to --max-rate {goodText}: the capacity is at least that",
            _ => (cancelled ? "interrupted" : $"stopped after {_steps.Count} steps")
                + (good is null ? "; no rate met the objective yet" : $"; the highest rate that met {objective} so far: {goodText}"),
        };
    }
}
