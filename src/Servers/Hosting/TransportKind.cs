namespace EchoServers.Servers.Hosting;

/// <summary>
/// How the pipe models (async, Kestrel) move bytes between sockets and pipes: the BCL <see cref="System.Net.Sockets.Socket"/>
/// (Kestrel's socket transport, the async model's own pumps) or the project's epoll transport
/// (<c>Transport/Epoll</c>: one recv and one send per message, like the C reference).
/// </summary>
public enum TransportKind
{
    /// <summary>System.Net.Sockets: portable; a speculative receive and a thread-pool dispatch per message.</summary>
    Sockets,

    /// <summary>The project's epoll transport on src/Linux (Linux only).</summary>
    Epoll,
}
