using System.Net;
using System.Net.Sockets;

namespace EchoServers.Servers.Connections;

/// <summary>Creates bound, listening sockets and prepares accepted ones the same way for every model.</summary>
internal static class ListenSocket
{
    /// <summary>Binds <paramref name="endPoint"/> (dual mode for <c>::</c>) and listens. Throws <see cref="SocketException"/> (AddressAlreadyInUse) when taken.</summary>
    public static Socket Create(IPEndPoint endPoint, int backlog, bool reusePort = false)
    {
        var socket = Hosting.Processes.ReusePort.Bind(endPoint, reusePort);
        try
        {
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>TCP_NODELAY on every accepted socket: replies are small and must not wait for Nagle and delayed ACKs.</summary>
    public static void Configure(Socket accepted) => accepted.NoDelay = true;
}
