using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;
using EchoServers.Servers.Hosting;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// Binds one listening socket per loop on the same endpoint. Listeners are created with <see cref="Socket"/> (binding,
/// address families and "address in use" errors come out right and typed); only their descriptors are used after that.
/// </summary>
internal static class ReusePortListeners
{
    public static Socket[] Bind(ServerOptions options)
    {
        var sockets = new List<Socket>(options.Loops);
        try
        {
            var endPoint = options.EndPoint;
            for (var i = 0; i < options.Loops; i++)
            {
                var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                if (options.Loops > 1 || options.ReusePort)
                {
                    // Only with several loops or processes: SO_REUSEPORT would otherwise let a second server share our port silently.
                    socket.SetRawSocketOption(LinuxConstants.SolSocket, LinuxConstants.SoReusePort, BitConverter.GetBytes(1));
                }

                socket.Bind(endPoint);
                socket.Listen(options.Backlog);
                socket.Blocking = false;
                if (i == 0)
                {
                    // Port 0: the others join the port the kernel picked for the first.
                    endPoint = new IPEndPoint(endPoint.Address, ((IPEndPoint)socket.LocalEndPoint!).Port);
                }
            }

            return [.. sockets];
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }
}
