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
    /// Sends a whole frame and then half of another (a 1,000-byte payload for <paramref name="framing"/>), and
    /// disconnects: with a reset when <paramref name="reset"/>, else with a FIN. Returns the bytes sent.
    /// </summary>
    public static async Task<int> MidFrameDisconnectAsync(IPEndPoint endPoint, FramingKind framing, bool reset, CancellationToken cancellationToken)
    {
        var framer = new SpanFramer(framing);
        var whole = framer.Encode("whole"u8);
        var cut = framer.Encode(Letters(1000));
        var wire = whole.Concat(cut.Take(cut.Length / 2)).ToArray();
        var socket = await HostileSocket.ConnectAsync(endPoint, cancellationToken);
        try
        {
            await socket.SendAsync(wire, SocketFlags.None, cancellationToken);
        }
        finally
        {
            if (reset)
            {
                HostileSocket.Reset(socket);
            }
            else
            {
                socket.Shutdown(SocketShutdown.Both);
                socket.Dispose();
            }
        }

        return wire.Length;
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
