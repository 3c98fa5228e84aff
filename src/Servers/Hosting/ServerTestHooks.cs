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
}
