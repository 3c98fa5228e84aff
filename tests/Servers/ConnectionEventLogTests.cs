using System.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Servers;

/// <summary>Per-connection events become one line per cause per interval, never one line per connection.</summary>
public sealed class ConnectionEventLogTests
{
    [Fact]
    public void Many_resets_are_one_summary_line()
    {
        var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using (var events = new ConnectionEventLog(factory.CreateLogger("test"), TimeSpan.FromHours(1)))
        {
            for (var i = 0; i < 37; i++)
            {
                events.Report(ConnectionEvent.Reset, new IPEndPoint(IPAddress.Loopback, 1000 + i), new InvalidOperationException("reset"));
            }

            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information);
            events.Flush();
        }

        var summary = Assert.Single(logs.AtLeast(LogLevel.Information));
        Assert.Equal("37 connections reset by peer in the last 3600s", summary.Message);
        Assert.Null(summary.Exception);
    }

    [Fact]
    public void Protocol_errors_log_the_first_with_its_peer_and_count_the_rest()
    {
        var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using var events = new ConnectionEventLog(factory.CreateLogger("test"), TimeSpan.FromHours(1));
        var error = new ProtocolError(ProtocolErrorKind.MalformedLength, FramingKind.Length, 65536, -2);
        for (var i = 0; i < 5; i++)
        {
            events.ProtocolError(new IPEndPoint(IPAddress.Loopback, 2000 + i), error);
        }

        events.Flush();
        var warnings = logs.AtLeast(LogLevel.Warning);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("127.0.0.1:2000", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("malformed length prefix -2", warnings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("4 more protocol errors", warnings[1].Message, StringComparison.Ordinal);

        // A new interval logs its first error again.
        events.ProtocolError(new IPEndPoint(IPAddress.Loopback, 3000), error);
        Assert.Contains(logs.AtLeast(LogLevel.Warning), e => e.Message.Contains("127.0.0.1:3000", StringComparison.Ordinal));
    }

    [Fact]
    public void Failures_log_the_first_at_Warning_with_its_exception_and_count_the_rest()
    {
        var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using var metrics = new EchoMetrics();
        using var events = new ConnectionEventLog(factory.CreateLogger("test"), TimeSpan.FromHours(1), metrics);
        var first = Thrown(new InvalidOperationException("first bug"));
        events.Report(ConnectionEvent.Failed, new IPEndPoint(IPAddress.Loopback, 4000), first);
        for (var i = 0; i < 3; i++)
        {
            events.Report(ConnectionEvent.Failed, new IPEndPoint(IPAddress.Loopback, 4001 + i), new InvalidOperationException("again"));
        }

        var logged = Assert.Single(logs.AtLeast(LogLevel.Warning));
        Assert.Equal("connection 127.0.0.1:4000 failed unexpectedly; closed", logged.Message);
        Assert.Same(first, logged.Exception);
        Assert.NotNull(logged.Exception!.StackTrace);

        events.Flush();
        var warnings = logs.AtLeast(LogLevel.Warning);
        Assert.Equal(2, warnings.Count);
        Assert.Equal("3 more connections failed unexpectedly in the last 3600s", warnings[1].Message);
        Assert.Equal(4, metrics.Snapshot().Failures);

        // A new interval logs its first failure with its exception again.
        var next = new InvalidOperationException("next interval");
        events.Report(ConnectionEvent.Failed, null, next);
        Assert.Same(next, logs.AtLeast(LogLevel.Warning)[^1].Exception);
    }

    [Fact]
    public void Every_event_is_counted_in_the_metrics()
    {
        var logs = new CapturedLogs();
        using var factory = logs.CreateFactory();
        using var metrics = new EchoMetrics();
        using (var events = new ConnectionEventLog(factory.CreateLogger("test"), TimeSpan.FromHours(1), metrics))
        {
            events.Report(ConnectionEvent.Reset);
            events.Report(ConnectionEvent.Reset, null, "errno 104");
            events.Report(ConnectionEvent.IdleTimeout);
            events.Report(ConnectionEvent.RefusedLimit);
            events.Report(ConnectionEvent.RefusedQueueFull);
            events.Report(ConnectionEvent.RefusedStopping);
            events.ProtocolError(null, new ProtocolError(ProtocolErrorKind.MalformedLength, FramingKind.Length, 65536, -2));
        }

        var m = metrics.Snapshot();
        Assert.Equal((2L, 1L, 3L, 1L, 0L), (m.Resets, m.IdleCloses, m.Rejected, m.ProtocolErrors, m.Failures));
        Assert.Contains(logs.Entries, e => e.Message == "2 connections reset by peer in the last 3600s");
        Assert.Contains(logs.Entries, e => e.Message == "1 connections closed after the idle timeout in the last 3600s");
    }

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
