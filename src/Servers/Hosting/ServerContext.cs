using EchoServers.Protocol;
using EchoServers.Protocol.Session;
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
        Events = new ConnectionEventLog(loggerFactory.CreateLogger("EchoServers.Connections"), options.StatsInterval, metrics);
        RefusalLine = ErrorLine.For(ConnectionRefuser.TooManyConnections(options.MaxConnections));
    }

    public ServerOptions Options { get; }

    public ProtocolOptions Protocol => Options.Protocol;

    public EchoMetrics Metrics { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    public ConnectionLimiter Limiter { get; }

    /// <summary>Counts and logs every per-connection event (resets, idle closes, refusals, protocol errors, failures).</summary>
    public ConnectionEventLog Events { get; }

    /// <summary>The <c>--max-connections</c> refusal in bytes (<c>ERROR: server full: …</c>), built once.</summary>
    public byte[] RefusalLine { get; }

    /// <summary>Test hooks (fault injection); null in production.</summary>
    public ServerTestHooks? Hooks => Options.TestHooks;

    /// <summary>After the drain timeout, how long connections asked to close may take before they are aborted.</summary>
    public static TimeSpan CloseGrace { get; } = TimeSpan.FromSeconds(1);

    public void Dispose() => Events.Dispose();
}
