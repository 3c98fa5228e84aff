using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>The plumbing every hostile client shares: connect, send while watching, read until the server ends it.</summary>
internal static class HostileSocket
{
    public const int HeadLength = 256;

    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Closes with SO_LINGER 0: the server gets a reset, not a FIN.</summary>
    public static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.InvalidArgument or SocketError.NotConnected)
        {
            // Already reset by the server: closing is all that is left.
        }

        socket.Dispose();
    }

    public static bool IsBroken(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected;

    /// <summary>
    /// Sends <paramref name="data"/> in <paramref name="chunk"/>-byte writes while reading everything the server
    /// sends; half-closes after when asked; then waits up to <paramref name="window"/> for the server to end the
    /// connection. The window is an upper bound: the outcome comes as soon as the server closes.
    /// </summary>
    public static async Task<HostileOutcome> SendAndObserveAsync(
        IPEndPoint endPoint, ReadOnlyMemory<byte> data, bool halfClose, TimeSpan window, CancellationToken cancellationToken, int chunk = 16 * 1024)
    {
        var started = Stopwatch.GetTimestamp();
        using var socket = await ConnectAsync(endPoint, cancellationToken);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = ReadUntilEndAsync(socket, stopReading.Token);

        long sent = 0;
        var broken = false;
        try
        {
            while (sent < data.Length)
            {
                var piece = data.Slice((int)sent, (int)Math.Min(chunk, data.Length - sent));
                sent += await socket.SendAsync(piece, SocketFlags.None, cancellationToken);
            }

            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException ex) when (IsBroken(ex.SocketErrorCode))
        {
            // The server closed on us mid-send; the reader reports how.
            broken = true;
        }

        stopReading.CancelAfter(window);
        var (end, received, head) = await reading;
        cancellationToken.ThrowIfCancellationRequested();
        if (broken && end == PeerEnd.StillOpen)
        {
            end = PeerEnd.Reset;
        }

        return new HostileOutcome(end, sent, received, head, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Reads and counts until the server ends the connection or <paramref name="stop"/> fires (still open).</summary>
    public static async Task<(PeerEnd End, long Received, byte[] Head)> ReadUntilEndAsync(Socket socket, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        var head = new MemoryStream();
        long received = 0;
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, stop);
                if (read == 0)
                {
                    return (PeerEnd.Closed, received, head.ToArray());
                }

                if (head.Length < HeadLength)
                {
                    head.Write(buffer, 0, (int)Math.Min(read, HeadLength - head.Length));
                }

                received += read;
            }
        }
        catch (SocketException ex) when (IsBroken(ex.SocketErrorCode))
        {
            return (PeerEnd.Reset, received, head.ToArray());
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return (PeerEnd.StillOpen, received, head.ToArray());
        }
    }
}
