using System.Net;
using EchoServers.Protocol;
using EchoServers.Servers.Connections.Tls;

namespace EchoServers.Servers.Hosting;

/// <summary>Everything a server model needs to run; built from the command line or by tests.</summary>
public sealed record ServerOptions
{
    /// <summary>Address to bind. Default 127.0.0.1.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>Port to bind; 0 picks a free port (read it back from <see cref="IEchoServer.LocalEndPoint"/>).</summary>
    public int Port { get; init; } = 1688;

    /// <summary>The concurrency model.</summary>
    public ServerModel Model { get; init; } = ServerModel.Async;

    /// <summary>Framing, transform, max frame, work, idle timeout.</summary>
    public ProtocolOptions Protocol { get; init; } = new();

    /// <summary>Connections served at once; the next one is refused and counted. Default 10,000.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Pool model: worker threads. Default 5, as in the classic lesson's <c>ThreadPoolExecutor(5)</c>.</summary>
    public int Workers { get; init; } = 5;

    /// <summary>Pool model: connections that may wait for a worker. Default 100.</summary>
    public int Queue { get; init; } = 100;

    /// <summary>
    /// Threads model: connection threads kept started and waiting in accept, ahead of demand (Apache's spare
    /// threads). 0 = one accept thread that starts a thread per accepted connection. Default 64.
    /// </summary>
    public int SpareThreads { get; init; } = 64;

    /// <summary>Event-loop model and the epoll transport: loops (threads). Default 1.</summary>
    public int Loops { get; init; } = 1;

    /// <summary>
    /// async and Kestrel: the transport; null picks the platform's default (see <see cref="EffectiveTransport"/>).
    /// </summary>
    public TransportKind? Transport { get; init; }

    /// <summary>The transport the async and Kestrel models run on, with or without TLS: <see cref="Transport"/>, or epoll on Linux and sockets elsewhere.</summary>
    public TransportKind EffectiveTransport => Transport ?? (OperatingSystem.IsLinux() ? TransportKind.Epoll : TransportKind.Sockets);

    /// <summary><c>--tls</c>: serve TLS 1.2/1.3 with this certificate and handshake deadline; null serves plain TCP.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>Listen with SO_REUSEPORT, sharing the port with the other workers of <c>--processes</c>. Default off: a second server must not share our port silently.</summary>
    public bool ReusePort { get; init; }

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; init; } = 4096;

    /// <summary>
    /// <c>--send-timeout</c>: a peer that takes no bytes for this long while replies wait is aborted and counted
    /// (<c>echo.connections.send_timeouts</c>), during its session and after it (the last replies before the close).
    /// Zero turns it off. Default 30 s.
    /// </summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>On stop: how long open connections may go on before they are closed. Default 5 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Period of the one-line stats log; zero disables it. Default 10 s.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Fault injection for tests; never set by the host.</summary>
    internal ServerTestHooks? TestHooks { get; init; }

    /// <summary>Endpoint to bind.</summary>
    public IPEndPoint EndPoint => new(Host, Port);
}
