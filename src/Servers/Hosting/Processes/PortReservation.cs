using System.Net;
using System.Net.Sockets;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// The supervisor's hold on the port its workers share: a socket bound with SO_REUSEPORT that never listens.
/// With <c>--port 0</c> the kernel picks the port here, before any worker starts, so every worker (and every
/// restarted one) binds the same port; and while the group runs no other program can take the port between a
/// worker's death and its restart (only sockets of the same user with SO_REUSEPORT may join). A bound socket that
/// does not listen is not in the kernel's listening hash, so it never receives a connection.
/// </summary>
internal sealed class PortReservation : IDisposable
{
    private readonly Socket _socket;

    /// <summary>Binds <paramref name="endPoint"/>; throws <see cref="SocketException"/> (AddressAlreadyInUse) when another program holds it.</summary>
    public PortReservation(IPEndPoint endPoint)
    {
        _socket = ReusePort.Bind(endPoint, reusePort: true);
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound endpoint, with the port the kernel picked.</summary>
    public IPEndPoint EndPoint { get; }

    public void Dispose() => _socket.Dispose();
}
