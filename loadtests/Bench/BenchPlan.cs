namespace EchoServers.Load.Bench;

/// <summary>One measured run of the plan: <paramref name="Pass"/> (from 1), a cell, a row.</summary>
public sealed record BenchStep(int Pass, BenchCell Cell, BenchModel Model);

/// <summary>
/// The order of the runs: for each pass, for each cell, every row, the rows' order rotated by one each pass. Drift
/// in the machine (another process, thermal state, the host preempting the VM) then hits every model alike instead
/// of whichever ran last, and a model never always runs straight after the same neighbour.
/// </summary>
public static class BenchPlan
{
    public static IReadOnlyList<BenchStep> Order(int passes, IReadOnlyList<BenchCell> cells, IReadOnlyList<BenchModel> rows)
    {
        var steps = new List<BenchStep>();
        for (var pass = 0; pass < passes; pass++)
        {
            foreach (var cell in cells)
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    var row = rows[(i + pass) % rows.Count];
                    if (row.CanRun(cell))
                    {
                        steps.Add(new BenchStep(pass + 1, cell, row));
                    }
                }
            }
        }

        return steps;
    }
}
