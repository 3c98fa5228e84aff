using EchoServers.Protocol;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>What every model shares: options, metrics, the connection limit, rate-limited event logging.</summary>
internal sealed class ServerContext : IDisposable
{
    public ServerContext(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory, string category)
    {
        Options = options;
        Metrics = metrics;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger(category);
        Limiter = new ConnectionLimiter(options.MaxConnections);
        Events = new ConnectionEventLog(loggerFactory.CreateLogger("EchoServers.Connections"), options.StatsInterval);
    }

    public ServerOptions Options { get; }

    public ProtocolOptions Protocol => Options.Protocol;

    public EchoMetrics Metrics { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    public ConnectionLimiter Limiter { get; }

    public ConnectionEventLog Events { get; }

    /// <summary>After the drain timeout, how long connections asked to close may take before they are aborted.</summary>
    public static TimeSpan CloseGrace { get; } = TimeSpan.FromSeconds(1);

    public void Dispose() => Events.Dispose();
}
