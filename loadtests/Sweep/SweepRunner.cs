using EchoServers.Load.Engine;

namespace EchoServers.Load.Sweep;

/// <summary>
/// The capacity search: geometric steps from the start rate (×<see cref="SweepSettings.Factor"/> while they pass; ÷
/// it while they fail, when even the first failed), then a bisection between the last good and the first bad rate
/// until they are within <see cref="SweepSettings.Precision"/>. A step the generator limited ends the search: the
/// capacity is then only "at least the last good rate", never the generator's ceiling. A failing rate is re-run
/// <see cref="SweepSettings.Confirm"/> times before it ends the geometric phase or moves the bisection, so one noisy
/// step (another process taking the core) cannot decide the search; every try is kept in the result.
/// </summary>
/// <param name="settings">The steps and the objective.</param>
/// <param name="runStep">Runs one step at a rate (msgs/s) and judges it (<see cref="SweepJudge"/>).</param>
/// <param name="onStep">Called after each try (progress).</param>
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
        RateVerdict? good = null, bad = null, generator = null;
        var limit = SweepLimit.Incomplete;
        var rate = Math.Min(settings.StartRate, settings.MaxRate);
        while (CanRun(cancellationToken))
        {
            var verdict = await RateAsync(rate, "geometric", cancellationToken);
            if (verdict is null)
            {
                break;
            }

            if (verdict.Passed)
            {
                good = verdict;
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
            else if (verdict.GeneratorLimit is not null)
            {
                generator = verdict;
                limit = SweepLimit.Generator;
                break;
            }
            else
            {
                bad = verdict;
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
            && (bad.Rate - good.Rate) / good.Rate > settings.Precision && CanRun(cancellationToken))
        {
            var verdict = await RateAsync((good.Rate + bad.Rate) / 2, "bisect", cancellationToken);
            if (verdict is null)
            {
                break;
            }

            if (verdict.Passed)
            {
                good = verdict;
            }
            else if (verdict.GeneratorLimit is not null)
            {
                generator = verdict;
                limit = SweepLimit.Generator;
            }
            else
            {
                bad = verdict;
            }
        }

        if (limit == SweepLimit.Incomplete && good is not null && bad is not null
            && (bad.Rate - good.Rate) / good.Rate <= settings.Precision)
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
            Confirm = settings.Confirm,
            Steps = [.. _steps],
            Capacity = good?.Rate,
            CapacityIsLowerBound = limit is SweepLimit.Generator or SweepLimit.MaxRate,
            FirstFailedRate = bad?.Rate,
            Limit = limit,
            OverturnedFailures = _steps.Count(s => s.Overturned),
            Conclusion = SweepConclusion.Text(settings, limit, good, bad, generator, _steps, cancellationToken.IsCancellationRequested),
        };
    }

    private bool CanRun(CancellationToken cancellationToken) => _steps.Count < settings.MaxSteps && !cancellationToken.IsCancellationRequested;

    /// <summary>
    /// One rate: a try, and while the tries fail, up to <see cref="SweepSettings.Confirm"/> more (within the step
    /// budget). Null when cancelled before the first try ended. A failure a later try overturns is marked so in the steps.
    /// </summary>
    private async Task<RateVerdict?> RateAsync(double rate, string phase, CancellationToken cancellationToken)
    {
        var tries = new List<SweepStep>();
        do
        {
            var step = await runStep(rate, cancellationToken) with { Index = _steps.Count + 1, Phase = phase, Try = tries.Count + 1 };
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            tries.Add(step);
            _steps.Add(step);
            onStep?.Invoke(step);
        }
        while (!tries[^1].Passed && tries.Count <= settings.Confirm && CanRun(cancellationToken));

        if (tries.Count == 0)
        {
            return null;
        }

        var verdict = new RateVerdict(tries);
        if (verdict.Passed)
        {
            foreach (var failed in tries.Where(t => !t.Passed))
            {
                _steps[failed.Index - 1] = failed with { Overturned = true };
            }
        }

        // A cancelled confirmation leaves the failure unconfirmed: the search stops without letting it count.
        return cancellationToken.IsCancellationRequested && !verdict.Passed ? null : verdict;
    }
}
