using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// The blocking session's reads and writes over <see cref="SslStream"/>, with socket errors surfacing as the
/// <see cref="SocketException"/> the plain path throws (SslStream and NetworkStream wrap them in IOException), so the
/// timeout and reset handling is the same for both.
/// </summary>
internal static class TlsIo
{
    public static int Read(SslStream tls, byte[] buffer, int offset, int count)
    {
        try
        {
            return tls.Read(buffer, offset, count);
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            ExceptionDispatchInfo.Throw(socketError);
            throw;
        }
    }

    public static void Write(SslStream tls, byte[] buffer, int offset, int count)
    {
        try
        {
            tls.Write(buffer, offset, count);
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            ExceptionDispatchInfo.Throw(socketError);
            throw;
        }
    }

    /// <summary>Half-close: close_notify first under TLS (a TLS peer may otherwise take the FIN for a truncation attack), then FIN.</summary>
    public static void ShutdownSend(Socket socket, SslStream? tls)
    {
        if (tls is not null)
        {
            // SslStream has no synchronous shutdown. This is one small write of the alert (it fits the send buffer,
            // which the last reply has left) on the connection's own dedicated thread, never on the thread pool, so
            // waiting for it cannot starve anything.
            try
            {
                tls.ShutdownAsync().GetAwaiter().GetResult();
            }
            catch (IOException ex) when (ex.InnerException is SocketException socketError)
            {
                ExceptionDispatchInfo.Throw(socketError);
                throw;
            }
        }

        socket.Shutdown(SocketShutdown.Send);
    }
}
