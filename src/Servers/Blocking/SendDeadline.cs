using System.Net.Sockets;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// <c>--send-timeout</c> for the blocking models: every send of the connection (a reply batch, the error line, TLS
/// records and close_notify through <see cref="DeadlineStream"/>) may wait at most the send timeout for a peer that
/// takes no bytes (SO_SNDTIMEO, which bounds each blocking Send as a whole, like the pipe models' bounded flush).
/// A send that misses it marks <see cref="TimedOut"/> and rethrows, so the receive timeouts (same socket error) are
/// told apart from it: the connection is then aborted with a reset and counted as a send timeout, not an idle close.
/// </summary>
internal sealed class SendDeadline
{
    private readonly Socket _socket;
    private volatile bool _timedOut;

    public SendDeadline(Socket socket, TimeSpan sendTimeout)
    {
        _socket = socket;
        if (sendTimeout > TimeSpan.Zero)
        {
            socket.SendTimeout = (int)Math.Clamp(sendTimeout.TotalMilliseconds, 1, int.MaxValue);
        }
    }

    /// <summary>Whether a send missed the deadline (the connection is to be aborted).</summary>
    public bool TimedOut => _timedOut;

    /// <summary>Sends all of <paramref name="buffer"/>; past the deadline, a <see cref="SocketException"/> with <see cref="TimedOut"/> set.</summary>
    public void Send(ReadOnlySpan<byte> buffer)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                buffer = buffer[_socket.Send(buffer, SocketFlags.None)..];
            }
        }
        catch (SocketException ex) when (SocketErrors.IsTimeout(ex.SocketErrorCode))
        {
            _timedOut = true;
            throw;
        }
    }
}
