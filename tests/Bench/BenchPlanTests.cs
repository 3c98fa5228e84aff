using EchoServers.Load.Bench;

namespace EchoServers.Tests.Bench;

/// <summary>The interleaving: pass → cell → every row, rows rotated each pass; the reference skips --work cells.</summary>
public sealed class BenchPlanTests
{
    private static readonly BenchModel A = new("a", "async", []);
    private static readonly BenchModel B = new("b", "eventloop", []);
    private static readonly BenchModel C = BenchModel.Reference("/tmp/c {port}");
    private static readonly BenchCell Plain = new("c50", "plain", 50);
    private static readonly BenchCell Work = new("io-c50", "work", 50, Work: "io:5ms");

    [Fact]
    public void Rows_rotate_by_one_each_pass_inside_each_cell()
    {
        var steps = BenchPlan.Order(3, [Plain], [A, B, C]);
        Assert.Equal(
            ["1 c50 a", "1 c50 b", "1 c50 c", "2 c50 b", "2 c50 c", "2 c50 a", "3 c50 c", "3 c50 a", "3 c50 b"],
            steps.Select(s => $"{s.Pass} {s.Cell.Name} {s.Model.Label}"));
    }

    [Fact]
    public void Every_cell_of_a_pass_runs_before_the_next_pass_and_the_reference_skips_work_cells()
    {
        var steps = BenchPlan.Order(2, [Plain, Work], [A, B, C]);
        Assert.Equal(
            ["1 c50 a", "1 c50 b", "1 c50 c", "1 io-c50 a", "1 io-c50 b", "2 c50 b", "2 c50 c", "2 c50 a", "2 io-c50 b", "2 io-c50 a"],
            steps.Select(s => $"{s.Pass} {s.Cell.Name} {s.Model.Label}"));
    }

    [Fact]
    public void Each_row_runs_each_cell_once_per_pass()
    {
        var cells = BenchCells.All;
        var rows = new[] { A, B, C };
        var steps = BenchPlan.Order(4, cells, rows);
        foreach (var group in steps.GroupBy(s => (s.Pass, s.Cell.Name, s.Model.Label)))
        {
            Assert.Single(group);
        }

        // The reference (c) skips the --work, multi-process and TLS cells, the event loop (b) the TLS cells.
        Assert.Equal(4 * ((cells.Count * 3) - cells.Count(c => !c.ReferenceCanJoin) - cells.Count(c => c.Tls)), steps.Count);
    }
}
