using System.Globalization;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Sweep;

/// <summary>
/// The sweep's conclusion in words: the capacity, what limited it, and how sure it is — how many tries failed at
/// the first bad rate and their p99 spread, how wide the bracket is, and how many failures were noise.
/// </summary>
internal static class SweepConclusion
{
    public static string Text(SweepSettings settings, SweepLimit limit, RateVerdict? good, RateVerdict? bad, RateVerdict? generator, IReadOnlyList<SweepStep> steps, bool cancelled)
    {
        var objective = settings.ObjectiveText;
        var goodText = good is null ? null : $"{Format.Rate(good.Rate)} msgs/s";
        var text = limit switch
        {
            SweepLimit.Server when good is null =>
                $"no rate down to {Format.Rate(bad?.Rate ?? 0)} msgs/s met {objective}: {Failures(bad)}",
            SweepLimit.Server =>
                $"capacity {goodText} under {objective} (the server failed at {Format.Rate(bad!.Rate)} msgs/s: {Failures(bad)}); "
                + $"the capacity lies between them, within {((bad.Rate - good!.Rate) / good.Rate * 100).ToString("0.#", CultureInfo.InvariantCulture)} %",
            SweepLimit.Generator =>
                $"the GENERATOR's ceiling, not the server's, was reached at {Format.Rate(generator!.Rate)} msgs/s ({generator.GeneratorLimit}); "
                + (good is null ? "the server's capacity was not measured" : $"the server's capacity under {objective} is at least {goodText}")
                + " — give the generator more cores, or run several generators",
            SweepLimit.MaxRate => $"met {objective} up to --max-rate {goodText}: the capacity is at least that",
            _ => (cancelled ? "interrupted" : $"stopped after {steps.Count} tries")
                + (good is null ? "; no rate met the objective yet" : $"; the highest rate that met {objective} so far: {goodText}"),
        };

        if (good is { Overturned: > 0 })
        {
            text += $"; at {goodText} {Tries(good.Overturned)} failed before one passed";
        }

        var overturned = steps.Count(s => s.Overturned);
        return text + (settings.Confirm == 0
            ? "; failures were not confirmed (--confirm 0): one noisy try could decide the search"
            : overturned == 0
                ? $"; a failure counted only after {Reruns(settings.Confirm)} of it failed too, and none was overturned"
                : $"; {Tries(overturned)} failed and were overturned by a passing re-run (noise)");
    }

    /// <summary>The failures of a rate that failed, with the p99 spread over its tries when there were several.</summary>
    private static string Failures(RateVerdict? bad)
    {
        if (bad is null)
        {
            return string.Empty;
        }

        var reasons = string.Join("; ", bad.Deciding.Failures);
        if (bad.Tries.Count == 1)
        {
            return reasons;
        }

        var p99 = bad.Tries.Select(t => t.P99Us).ToArray();
        return $"all {bad.Tries.Count} tries failed, p99 {Format.Us(p99.Min())}–{Format.Us(p99.Max())}; last: {reasons}";
    }

    private static string Tries(int count) => count == 1 ? "1 try" : $"{count} tries";

    private static string Reruns(int count) => count == 1 ? "1 re-run" : $"{count} re-runs";
}
