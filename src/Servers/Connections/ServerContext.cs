using EchoServers.Protocol;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Connections;

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
        try
        {
            Tls = ServerTls.For(options, Events, metrics);
        }
        catch
        {
            Events.Dispose();
            throw;
        }
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

    /// <summary><c>--tls</c>: certificate, handshake, refusals over TLS; null for plain TCP.</summary>
    public ServerTls? Tls { get; }

    /// <summary>
    /// Refuses a freshly accepted <paramref name="socket"/> with <paramref name="errorLine"/> (an <see cref="ErrorLine"/>,
    /// sent in line framing only) and closes it: at once over plain TCP, after a handshake (bounded) over TLS. Never throws.
    /// </summary>
    public void Refuse(System.Net.Sockets.Socket socket, byte[] errorLine)
    {
        if (Tls is null)
        {
            ConnectionRefuser.Refuse(socket, Protocol.Framing, errorLine);
        }
        else
        {
            Tls.Refusals.Refuse(socket, errorLine);
        }
    }

    /// <summary>
    /// The one release order of a connection that held a limiter slot, whatever the model: slot first, metric next,
    /// tracking last, so whoever sees the connection gone (the active gauge, the drain) can reuse its slot.
    /// <paramref name="opened"/>: it was counted as accepted (under <c>--tls</c>, only once its handshake completed).
    /// </summary>
    public void Release<T>(ActiveConnections<T> connections, T connection, bool opened)
        where T : class
    {
        Limiter.Release();
        if (opened)
        {
            Metrics.ConnectionClosed();
        }

        connections.Remove(connection);
    }

    /// <summary>Test hooks (fault injection); null in production.</summary>
    public ServerTestHooks? Hooks => Options.TestHooks;

    /// <summary>After the drain timeout, how long connections asked to close may take before they are aborted.</summary>
    public static TimeSpan CloseGrace { get; } = TimeSpan.FromSeconds(1);

    public void Dispose()
    {
        Tls?.Dispose();
        Events.Dispose();
    }
}
