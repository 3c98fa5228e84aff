using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;

namespace EchoServers.Servers.Connections;

/// <summary>
/// Refuses a freshly accepted connection at once instead of leaving it hanging (the classic lesson's thread pool lets the
/// sixth client wait silently): a line-framed peer gets <c>ERROR: reason</c>, every peer then gets a FIN.
/// </summary>
public static class ConnectionRefuser
{
    /// <summary>Sends the reason (line framing), closes <paramref name="socket"/>, and never throws.</summary>
    public static void Refuse(Socket socket, FramingKind framing, string reason) =>
        Refuse(socket, framing, framing == FramingKind.Line ? ErrorLine.For(reason) : []);

    /// <summary>Sends <paramref name="errorLine"/> (an <see cref="ErrorLine"/>, line framing only), closes <paramref name="socket"/>, and never throws.</summary>
    public static void Refuse(Socket socket, FramingKind framing, byte[] errorLine)
    {
        try
        {
            if (framing == FramingKind.Line)
            {
                // A fresh socket's send buffer is empty, so this small send completes without waiting on the peer.
                socket.Send(errorLine);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The peer is already gone: nothing to tell it.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>The reason given when <c>--max-connections</c> is reached.</summary>
    public static string TooManyConnections(int max) => $"server full: {max} connections already open (--max-connections)";
}
