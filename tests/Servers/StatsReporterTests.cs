using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers;

/// <summary>The periodic stats line carries the same counters as the meter.</summary>
public sealed class StatsReporterTests
{
    [Fact]
    public void Stats_line_reports_resets_and_idle_closes()
    {
        var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using var metrics = new EchoMetrics();
        using var reporter = new StatsReporter(metrics, factory.CreateLogger("EchoServers.Stats"), TimeSpan.Zero);
        metrics.ConnectionOpened();
        metrics.ConnectionOpened();
        metrics.ConnectionRejected();
        metrics.ProtocolError();
        metrics.ConnectionReset();
        metrics.ConnectionReset();
        metrics.IdleClosed();
        metrics.SendTimedOut();

        reporter.Report();

        var line = Assert.Single(logs.Entries).Message;
        Assert.StartsWith("stats: active 2, accepted 2, rejected 1, ", line, StringComparison.Ordinal);
        Assert.Contains(", protocol errors 1, resets 2, idle closes 1, send timeouts 1, allocated ", line, StringComparison.Ordinal);
    }
}
