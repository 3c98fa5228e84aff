using System.Net.Sockets;

namespace EchoServers.Servers.Connections;

/// <summary>
/// Closing a socket with unread input makes the kernel send a reset, which can overtake the last reply (the
/// error line). So after a protocol error: send FIN, then read and discard for a bounded time and amount.
/// </summary>
internal static class LingeringClose
{
    public const int MaxBytes = 1024 * 1024;

    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);

    public static void Drain(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            socket.ReceiveTimeout = (int)MaxTime.TotalMilliseconds;
            var scratch = new byte[4096];
            var total = 0;
            var until = Environment.TickCount64 + (long)MaxTime.TotalMilliseconds;
            while (total < MaxBytes && Environment.TickCount64 < until)
            {
                var read = socket.Receive(scratch);
                if (read == 0)
                {
                    return;
                }

                total += read;
            }
        }
        catch (SocketException)
        {
            // Timed out or reset: either way the reply had its chance.
        }
    }
}
