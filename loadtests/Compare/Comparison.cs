namespace EchoServers.Load.Compare;

/// <summary>Two reports of the same kind side by side: every entry and figure in both, and which got worse beyond the threshold.</summary>
public sealed record Comparison(ComparedReport Base, ComparedReport New, double Threshold, IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<string> Unmatched)
{
    public IEnumerable<ComparisonRow> Regressions => Rows.Where(r => r.Regression);

    /// <summary>Compares <paramref name="newReport"/> with <paramref name="baseReport"/>; <paramref name="threshold"/> is a share (0.05 = 5 %).</summary>
    public static Comparison Of(ComparedReport baseReport, ComparedReport newReport, double threshold)
    {
        var rows = new List<ComparisonRow>();
        var newEntries = newReport.Entries.ToDictionary(e => e.Name, e => e.Values);
        var onlyBase = new List<string>();
        foreach (var (name, baseValues) in baseReport.Entries)
        {
            if (!newEntries.TryGetValue(name, out var newValues))
            {
                onlyBase.Add(name);
                continue;
            }

            foreach (var metric in CompareMetric.All)
            {
                if (baseValues.TryGetValue(metric, out var b) && newValues.TryGetValue(metric, out var n))
                {
                    var worse = Worse(metric, b.Value, n.Value);

                    // "A difference inside both ranges is noise": each median lies within the other's min–max.
                    var noise = b.HasRange && n.HasRange && b.RangeHolds(n.Value) && n.RangeHolds(b.Value);
                    rows.Add(new ComparisonRow(name, metric, b, n, worse, noise, worse > threshold && !noise));
                }
            }
        }

        var onlyNew = newReport.Entries.Where(e => baseReport.Entries.All(b => b.Name != e.Name)).Select(e => e.Name).ToArray();
        List<string> unmatched = [];
        if (onlyBase.Count > 0)
        {
            unmatched.Add($"only in the base report: {string.Join(", ", onlyBase)}");
        }

        if (onlyNew.Length > 0)
        {
            unmatched.Add($"only in the new report: {string.Join(", ", onlyNew)}");
        }

        return new Comparison(baseReport, newReport, threshold, rows, unmatched);
    }

    /// <summary>How much worse <paramref name="now"/> is than <paramref name="before"/>, as a share of it.</summary>
    public static double Worse(CompareMetric metric, double before, double now)
    {
        if (before == now)
        {
            return 0;
        }

        if (before == 0)
        {
            // From nothing: any rate is better; any error, latency or cost where there was none is worse.
            return metric.HigherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
        }

        var change = (now - before) / Math.Abs(before);
        return metric.HigherIsBetter ? -change : change;
    }
}
