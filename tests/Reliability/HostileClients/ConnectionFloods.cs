using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>Clients that abuse the connection itself: resets, half-closes, frames cut off by a disconnect.</summary>
public static class ConnectionFloods
{
    /// <summary>
    /// Opens <paramref name="count"/> connections, <paramref name="parallelism"/> at a time, each closed at once
    /// with SO_LINGER 0 (a reset), after sending <paramref name="first"/> when given. Returns how many connected;
    /// refusals (the listen backlog full) are counted out, not thrown.
    /// </summary>
    public static async Task<int> ConnectResetFloodAsync(IPEndPoint endPoint, int count, CancellationToken cancellationToken, ReadOnlyMemory<byte> first = default, int parallelism = 8)
    {
        var connected = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (_, ct) =>
        {
            Socket socket;
            try
            {
                socket = await HostileSocket.ConnectAsync(endPoint, ct);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                return;
            }

            try
            {
                if (!first.IsEmpty)
                {
                    await socket.SendAsync(first, SocketFlags.None, ct);
                }

                Interlocked.Increment(ref connected);
            }
            catch (SocketException ex) when (HostileSocket.IsBroken(ex.SocketErrorCode))
            {
                // The server got there first; still a connection made and dropped.
                Interlocked.Increment(ref connected);
            }
            finally
            {
                HostileSocket.Reset(socket);
            }
        });
        return connected;
    }

    /// <summary>
    /// Sends <paramref name="wire"/>, half-closes (FIN) and reads to the end: a well-behaved server echoes
    /// everything, then closes (<see cref="PeerEnd.Closed"/>) well within <paramref name="window"/>.
    /// </summary>
    public static Task<HostileOutcome> HalfCloseAsync(IPEndPoint endPoint, byte[] wire, TimeSpan window, CancellationToken cancellationToken) =>
        HostileSocket.SendAndObserveAsync(endPoint, wire, halfClose: true, window, cancellationToken);

    /// <summary>
    /// Sends a whole frame and reads its echo (so the server is surely serving this connection), then half of a
    /// 1,000-byte frame for <paramref name="framing"/>, and disconnects. With <paramref name="reset"/> it resets at
    /// once (<see cref="PeerEnd.StillOpen"/>: we ended it); otherwise it sends a FIN and waits up to
    /// <paramref name="window"/> for the server to close too (<see cref="PeerEnd.Closed"/>), which proves the
    /// server has dealt with the cut frame before the caller goes on.
    /// </summary>
    public static async Task<HostileOutcome> MidFrameDisconnectAsync(IPEndPoint endPoint, FramingKind framing, bool reset, TimeSpan window, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var framer = new SpanFramer(framing);
        var whole = framer.Encode("whole"u8);
        var cut = framer.Encode(Letters(1000)).AsMemory(0, 500);
        using var socket = await HostileSocket.ConnectAsync(endPoint, cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(window);

        await socket.SendAsync(whole, SocketFlags.None, deadline.Token);
        var echo = new byte[whole.Length];
        for (var got = 0; got < echo.Length;)
        {
            var read = await socket.ReceiveAsync(echo.AsMemory(got), SocketFlags.None, deadline.Token);
            if (read == 0)
            {
                throw new IOException("the server closed before echoing a legal frame");
            }

            got += read;
        }

        await socket.SendAsync(cut, SocketFlags.None, deadline.Token);
        var sent = whole.Length + cut.Length;
        if (reset)
        {
            HostileSocket.Reset(socket);
            return new HostileOutcome(PeerEnd.StillOpen, sent, echo.Length, echo, Stopwatch.GetElapsedTime(started));
        }

        socket.Shutdown(SocketShutdown.Send);
        var (end, received, _) = await HostileSocket.ReadUntilEndAsync(socket, deadline.Token);
        cancellationToken.ThrowIfCancellationRequested();
        return new HostileOutcome(end, sent, echo.Length + received, echo, Stopwatch.GetElapsedTime(started));
    }

    internal static byte[] Letters(int count)
    {
        var bytes = RandomNumberGenerator.GetBytes(count);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)('a' + (bytes[i] % 26));
        }

        return bytes;
    }
}
