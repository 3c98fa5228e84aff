namespace EchoServers.Load.Sweep;

/// <summary>
/// Every try at one rate in one step of the search: the first, then the confirming re-runs of a failure. The rate
/// passes when any try passed: on a shared machine interference only adds latency, so one clean pass is evidence
/// that the server can, while a failure counts only once every confirming try failed too.
/// </summary>
/// <param name="Tries">The tries in the order run (at least one).</param>
internal sealed record RateVerdict(IReadOnlyList<SweepStep> Tries)
{
    public double Rate => Tries[0].TargetRate;

    public bool Passed => Tries.Any(t => t.Passed);

    /// <summary>The try that stands for the rate: the passing one, else the last failure.</summary>
    public SweepStep Deciding => Tries.FirstOrDefault(t => t.Passed) ?? Tries[^1];

    /// <summary>Why the generator, not the server, failed the rate (any failing try it limited), or null.</summary>
    public string? GeneratorLimit => Passed ? null : Tries.Select(t => t.GeneratorLimit).FirstOrDefault(l => l is not null);

    /// <summary>Failing tries a later try at the same rate overturned (noise).</summary>
    public int Overturned => Passed ? Tries.Count(t => !t.Passed) : 0;
}
