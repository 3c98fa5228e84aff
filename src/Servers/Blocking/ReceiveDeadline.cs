using System.Net.Sockets;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// The idle and frame deadlines of a blocking session, kept on the session rather than on each receive. Idle: the
/// session has been given no bytes for the idle timeout. Frame: an incomplete frame has waited the frame timeout.
/// Every receive from the socket, including those SslStream makes beneath the session while it assembles a record,
/// is bounded by what is left until the nearer deadline, so a peer that trickles a TLS record a byte at a time (each
/// receive returns, but the session never gets a byte) is cut off just as a silent one is.
/// </summary>
/// <remarks>
/// The bound is the socket's receive timeout (SO_RCVTIMEO), changed only when it is off by more than
/// <see cref="SlackMs"/>: a receive may end that much early (it is simply made again) or late.
/// </remarks>
internal sealed class ReceiveDeadline
{
    private const long SlackMs = 20;

    private readonly Socket _socket;
    private readonly long _idleMs;
    private readonly long _frameMs;
    private long _idleDue;
    private long _frameDue;
    private long _timeoutMs;

    public ReceiveDeadline(Socket socket, TimeSpan idleTimeout, TimeSpan frameTimeout)
    {
        _socket = socket;
        _idleMs = Milliseconds(idleTimeout);
        _frameMs = Milliseconds(frameTimeout);
    }

    /// <summary>The session starts: the idle deadline runs from now (the handshake before it had its own).</summary>
    public void Start()
    {
        if (_idleMs > 0)
        {
            _idleDue = Environment.TickCount64 + _idleMs;
        }
    }

    /// <summary>
    /// The session was given bytes and parsed them: the idle deadline starts again; the frame deadline starts with an
    /// incomplete frame (<paramref name="pending"/>) and ends with it.
    /// </summary>
    public void Received(bool pending)
    {
        var now = Environment.TickCount64;
        if (_idleMs > 0)
        {
            _idleDue = now + _idleMs;
        }

        if (!pending || _frameMs == 0)
        {
            _frameDue = 0;
        }
        else if (_frameDue == 0)
        {
            _frameDue = now + _frameMs;
        }
    }

    /// <summary>A blocking receive bounded by the nearer deadline; past it, a <see cref="SocketError.TimedOut"/> error.</summary>
    public int Receive(Span<byte> buffer)
    {
        while (true)
        {
            Arm();
            try
            {
                return _socket.Receive(buffer, SocketFlags.None);
            }
            catch (SocketException ex) when (SocketErrors.IsTimeout(ex.SocketErrorCode) && Due() is var due && due != 0 && Environment.TickCount64 < due)
            {
                // Ended early (the timeout was set for an older deadline): receive again for what is left.
            }
        }
    }

    private long Due()
    {
        if (_frameDue == 0)
        {
            return _idleDue;
        }

        return _idleDue == 0 ? _frameDue : Math.Min(_idleDue, _frameDue);
    }

    private void Arm()
    {
        var due = Due();
        if (due == 0)
        {
            SetTimeout(0);
            return;
        }

        var left = due - Environment.TickCount64;
        if (left <= 0)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }

        if (_timeoutMs == 0 || Math.Abs(_timeoutMs - left) > SlackMs)
        {
            SetTimeout(left);
        }
    }

    private void SetTimeout(long ms)
    {
        if (ms != _timeoutMs)
        {
            _socket.ReceiveTimeout = (int)Math.Min(ms, int.MaxValue);
            _timeoutMs = ms;
        }
    }

    private static long Milliseconds(TimeSpan timeout) => timeout > TimeSpan.Zero ? Math.Max(1, (long)timeout.TotalMilliseconds) : 0;
}
