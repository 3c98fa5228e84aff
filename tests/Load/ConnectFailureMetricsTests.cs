using System.Net;
using System.Net.Sockets;
using EchoServers.Load.Engine;
using EchoServers.Load.Metrics;

namespace EchoServers.Tests.Load;

/// <summary>
/// A connect the connect phase could not make is an error of kind <c>connect</c> everywhere: in the result, and live
/// in <c>echoload_errors_total{kind="connect"}</c> while the run goes (the I/O threads' churn failures always were;
/// the connect phase's counted only in the result).
/// </summary>
public sealed class ConnectFailureMetricsTests
{
    [Fact]
    public async Task Refused_connects_of_the_connect_phase_are_connect_errors_in_the_live_metrics()
    {
        // Bound and never listening: every connect to it is refused.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var metrics = new LoadMetrics();
        LoadMetrics.Current = metrics;
        try
        {
            var options = new LoadOptions
            {
                Target = (IPEndPoint)closed.LocalEndPoint!,
                Connections = 3,
                Duration = TimeSpan.FromSeconds(2),
                Warmup = TimeSpan.Zero,
                Start = StartMode.Immediate,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                Threads = 1,
            };

            var error = await Assert.ThrowsAsync<LoadSetupException>(() => LoadRunner.RunAsync(options, NullProgressSink.Instance, TestContext.Current.CancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            Assert.Contains("ConnectionRefused", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            LoadMetrics.Current = null;
        }

        var view = metrics.View();
        Assert.Equal(3, view.Totals.Connect);
        Assert.Contains("echoload_errors_total{kind=\"connect\"} 3", PrometheusText.Format(view), StringComparison.Ordinal);
    }
}
