using System.Net;

namespace EchoServers.Servers.Hosting;

/// <summary>One running server, whatever its model: what the host and the conformance tests drive.</summary>
public interface IEchoServer : IAsyncDisposable
{
    /// <summary>The bound endpoint (with the real port when 0 was asked for). Valid after <see cref="StartAsync"/>.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds and starts accepting; returns once connections are accepted. Throws <see cref="System.Net.Sockets.SocketException"/> when the address is in use.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops accepting, lets open connections go on for up to <paramref name="drainTimeout"/>, then asks the rest to
    /// close gracefully (replies to everything read are sent) and aborts whatever still hangs on.
    /// </summary>
    Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken);
}
