using System.Net;
using System.Net.Sockets;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// SO_REUSEPORT: several sockets of one user bound to the same address and port, the kernel spreading new
/// connections over the listening ones by a hash of the 4-tuple. The BCL has no name for it, so it is set raw.
/// </summary>
internal static class ReusePort
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    /// <summary>Sets SO_REUSEPORT on a socket that is not bound yet.</summary>
    public static void Enable(Socket socket) => socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));

    /// <summary>A TCP socket for <paramref name="endPoint"/>'s family (dual mode for <c>::</c>), optionally with SO_REUSEPORT, bound but not listening.</summary>
    public static Socket Bind(IPEndPoint endPoint, bool reusePort)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            if (reusePort)
            {
                Enable(socket);
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
