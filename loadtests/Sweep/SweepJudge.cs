using System.Globalization;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Sweep;

/// <summary>
/// Turns one open-model run into a <see cref="SweepStep"/>: did it meet the objective, the rate and zero errors, and
/// if not, was the generator rather than the server the limit?
/// </summary>
public static class SweepJudge
{
    /// <summary>A pacing I/O thread this busy (% of its core) cannot be trusted to keep its schedule.</summary>
    public const double SaturatedPercent = 90;

    /// <summary>Below this share of the target the step missed its rate (as <c>run</c> marks a run invalid).</summary>
    public const double RateShare = 0.99;

    /// <summary>The step of <paramref name="result"/> (an open-model run at one rate) against the objective.</summary>
    public static SweepStep Judge(LoadResult result, SweepSettings settings, double? serverCpuPercent = null)
    {
        var failures = new List<string>();
        foreach (var assertion in settings.Objective)
        {
            if (!assertion.Holds(result, out var actual))
            {
                failures.Add(assertion.Describe(actual));
            }
        }

        var target = result.TargetRate ?? 0;
        var achieved = result.AchievedRate ?? result.MessagesPerSecond;
        if (achieved < target * RateShare)
        {
            failures.Add($"achieved {Format.Rate(achieved)} msgs/s, under 99 % of {Format.Rate(target)}");
        }

        if (result.Errors.Total > 0)
        {
            failures.Add($"{result.Errors.Total} errors");
        }

        var g = result.Generator;
        var percentOfCore = g.CpuPercentOfCores * g.Cores;
        var lateness = result.SendLatenessUs?.P99 ?? 0;
        var service = result.ServiceTimeUs.P99;
        string? generatorLimit = null;
        if (failures.Count > 0)
        {
            // Each I/O thread paces its share of the schedule on one core and reads the replies in the same loop:
            // when they are about busy AND the sends fell behind more than the server took, due messages waited for
            // the generator. Busy but punctual, the generator kept up (its CPU then includes an in-process server).
            var pacingCores = Math.Max(1, Math.Min(g.IoThreads, g.Cores));
            if ((percentOfCore >= SaturatedPercent * pacingCores || g.LikelyBottleneck) && lateness >= service)
            {
                generatorLimit = $"the generator's CPU was {percentOfCore.ToString("0", CultureInfo.InvariantCulture)} % of a core with {g.IoThreads} I/O thread(s), its sends late by p99 {Format.Us(lateness)}";
            }

            // Latency runs from the due time = send lateness + service time. When the server's part alone (from
            // each actual send) meets the objective and nothing was lost, the step failed on the generator's late sends.
            else if (result.Errors.Total == 0 && result.Messages > 0 && settings.Objective.All(a => a.Holds(result with { LatencyUs = result.ServiceTimeUs }, out _)))
            {
                generatorLimit = $"its sends were late (p99 {Format.Us(lateness)}) while the server met the objective from each actual send (service p99 {Format.Us(service)})";
            }
        }

        return new SweepStep
        {
            Phase = string.Empty,
            TargetRate = Math.Round(target, 1),
            AchievedRate = Math.Round(achieved, 1),
            MessagesPerSecond = result.MessagesPerSecond,
            P50Us = result.LatencyUs.P50,
            P99Us = result.LatencyUs.P99,
            P999Us = result.LatencyUs.P999,
            MaxUs = result.LatencyUs.Max,
            ServiceP99Us = service,
            SendLatenessP99Us = lateness,
            Errors = result.Errors.Total,
            GeneratorCpuPercentOfCore = Math.Round(percentOfCore, 1),
            GeneratorIoThreads = g.IoThreads,
            ServerCpuPercent = serverCpuPercent,
            Passed = failures.Count == 0,
            Failures = failures,
            GeneratorLimit = generatorLimit,
        };
    }
}
