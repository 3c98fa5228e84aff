using System.Net.Sockets;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// Fault injection for tests (set through <see cref="ServerOptions.TestHooks"/>, null in production): the failures a
/// test cannot provoke from a client on loopback, such as a socket option failing on an accepted socket or a
/// receive ending in ETIMEDOUT.
/// </summary>
internal sealed class ServerTestHooks
{
    /// <summary>Runs on every accepted socket right after the model configures it (async, threads, pool).</summary>
    public Action<Socket>? AcceptedSocketConfigured { get; init; }

    /// <summary>Runs after every receive of the async model with the bytes received; may throw to inject a receive error.</summary>
    public Action<Socket, ReadOnlyMemory<byte>>? Received { get; init; }

    /// <summary>Epoll listeners (event loop, epoll transport): called before each accept4; a non-zero errno is taken as its failure instead of calling it.</summary>
    public Func<int>? AcceptErrno { get; init; }

    /// <summary>Loop threads (event loop, epoll transport): runs on the loop thread before each wait for events; may throw to crash the loop.</summary>
    public Action? LoopTurn { get; init; }
}
