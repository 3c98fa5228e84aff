namespace EchoServers.Load.Compare;

/// <summary>
/// A report reduced to what <c>compare</c> needs: entries (a run report has one, <c>run</c>; a bench report one per
/// <c>cell / model</c>), each with its figures.
/// </summary>
/// <param name="Kind"><c>run</c> or <c>bench</c>.</param>
/// <param name="Path">Where it was read from.</param>
/// <param name="Entries">Entry name → metric → value, in report order.</param>
public sealed record ComparedReport(string Kind, string Path, IReadOnlyList<(string Name, IReadOnlyDictionary<CompareMetric, MeasuredValue> Values)> Entries);
