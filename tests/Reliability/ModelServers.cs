using System.Net;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.Reliability;

/// <summary>Factories that plug the real server models into the survival suite.</summary>
internal static class ModelServers
{
    /// <summary>
    /// A factory for <paramref name="model"/>. The pool gets enough workers for the suite's crowds (with the
    /// classic lesson's 5 workers a slowloris crowd starves the probe by design: that case is the pool's own test).
    /// </summary>
    public static Func<ServerOptions, IEchoServer> For(ServerModel model) => options =>
    {
        var configured = options with
        {
            Model = model,
            Workers = model == ServerModel.Pool ? 256 : options.Workers,
            DrainTimeout = TimeSpan.FromMilliseconds(200),
        };
        var metrics = new EchoMetrics();
        return new MetricsOwner(ServerFactory.Create(configured, metrics, NullLoggerFactory.Instance), metrics);
    };

    /// <summary>Disposes the server's metrics with the server.</summary>
    private sealed class MetricsOwner(IEchoServer inner, EchoMetrics metrics) : IEchoServer
    {
        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken) => inner.StopAsync(drainTimeout, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            metrics.Dispose();
        }
    }
}
