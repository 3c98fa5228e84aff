namespace EchoServers.Load.Compare;

/// <summary>One figure of one entry in both reports, the change, and what it means.</summary>
/// <param name="Entry"><c>run</c>, or a bench's <c>cell / model</c>.</param>
/// <param name="Metric">The figure.</param>
/// <param name="Base">Its value in the base report.</param>
/// <param name="New">Its value in the new report.</param>
/// <param name="Worse">How much worse the new value is, as a share of the base (negative = better; infinity from 0).</param>
/// <param name="Noise">Each value lies inside the other's range (passes, or a run's seconds): the change is noise.</param>
/// <param name="Regression">Worse by more than the threshold and not noise.</param>
public sealed record ComparisonRow(string Entry, CompareMetric Metric, MeasuredValue Base, MeasuredValue New, double Worse, bool Noise, bool Regression)
{
    /// <summary>What the row says in a word or two.</summary>
    public string Verdict(double threshold) => Regression ? "REGRESSION"
        : Worse == 0 ? "same"
        : Noise ? (Worse > 0 ? "worse, noise" : "better, noise")
        : Worse > threshold ? "worse"
        : Worse > 0 ? "worse, within threshold"
        : "better";
}
