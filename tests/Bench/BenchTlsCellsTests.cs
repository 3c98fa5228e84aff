using System.Net;
using EchoServers.Load.Bench;
using EchoServers.Load.Engine;

namespace EchoServers.Tests.Bench;

/// <summary>The TLS cells (<c>tls-c50</c>, <c>tls-churn</c>): their load, and which rows join them.</summary>
public sealed class BenchTlsCellsTests
{
    private static readonly BenchSettings Settings = new() { Models = [], Cells = [], OutDirectory = "." };
    private static readonly IPEndPoint Target = new(IPAddress.Loopback, 1);

    [Fact]
    public void The_tls_cells_parse_and_load_over_tls_with_the_servers_self_signed_certificate()
    {
        Assert.True(BenchCells.TryParse("TLS-C50,tls-churn", out var cells, out var error), error);
        var (steady, churn) = (cells[0], cells[1]);

        Assert.All(cells, c => Assert.True(c.Tls));
        Assert.All(cells, c => Assert.Equal(50, c.Connections));
        Assert.All(cells, c => Assert.False(c.ReferenceCanJoin));
        Assert.All(BenchCells.All.Where(c => !c.Name.StartsWith("tls-", StringComparison.Ordinal)), c => Assert.False(c.Tls));

        var steadyLoad = steady.ToLoadOptions(Target, Settings);
        Assert.True(steadyLoad.Tls is { Insecure: true, CaFile: null, Sni: null });
        Assert.Equal(StartMode.Together, steadyLoad.Start);
        Assert.Equal(64, steadyLoad.Sizes.Max);
        Assert.Null(steadyLoad.Rate);
        Assert.False(steadyLoad.Churn);

        var churnLoad = churn.ToLoadOptions(Target, Settings);
        Assert.True(churnLoad.Tls is { Insecure: true });
        Assert.Equal(10, churnLoad.MessagesPerConnection);
        Assert.True(churnLoad.Churn);
        Assert.Null(churnLoad.Rate);
    }

    [Fact]
    public void Only_the_rows_that_serve_tls_join_the_tls_cells()
    {
        Assert.True(BenchModel.TryParseList("threads,pool:64,async,async:sockets,async:epoll,eventloop,kestrel,kestrel:epoll", out var models, out var error), error);
        var reference = BenchModel.Reference("/tmp/c-epoll-echo {port}");
        var tls = BenchCells.All.First(c => c.Name == "tls-c50");
        var plain = BenchCells.All.First(c => c.Name == "c50");

        Assert.Equal(["threads", "pool(64)", "async", "async:sockets", "async:epoll", "kestrel", "kestrel:epoll"], models.Where(m => m.CanRun(tls)).Select(m => m.Label));
        Assert.All(models, m => Assert.True(m.CanRun(plain)));
        Assert.False(reference.CanRun(tls));
        Assert.False(reference.ServesTls);
        Assert.True(reference.CanRun(plain));
    }

    [Fact]
    public void The_plan_skips_the_tls_cells_for_eventloop_and_the_reference()
    {
        Assert.True(BenchModel.TryParseList("async,async:epoll,eventloop,kestrel", out var models, out var error), error);
        var rows = models.Append(BenchModel.Reference("/tmp/c {port}")).ToArray();
        Assert.True(BenchCells.TryParse("c50,tls-c50,tls-churn", out var cells, out error), error);

        var steps = BenchPlan.Order(1, cells, rows);

        Assert.Equal(
            ["c50 async", "c50 async:epoll", "c50 eventloop", "c50 kestrel", "c50 c", "tls-c50 async", "tls-c50 async:epoll", "tls-c50 kestrel", "tls-churn async", "tls-churn async:epoll", "tls-churn kestrel"],
            steps.Select(s => $"{s.Cell.Name} {s.Model.Label}"));
    }
}
