using System.Net.Sockets;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// The per-frame read deadline of a blocking session: while an incomplete frame is buffered, the receive timeout
/// (SO_RCVTIMEO) is shortened to what is left of the frame timeout, so a peer dribbling one byte at a time is cut
/// off even though it never idles. Without a partial frame the idle timeout (or none) is back in force.
/// Only touches the socket when the timeout it needs changes.
/// </summary>
internal struct FrameDeadline
{
    private readonly Socket _socket;
    private readonly long _frameMs;
    private readonly int _idleMs;
    private long _startedMs;
    private int _currentMs;

    public FrameDeadline(Socket socket, TimeSpan frameTimeout, int idleMs)
    {
        _socket = socket;
        _frameMs = frameTimeout > TimeSpan.Zero ? Math.Max(1, (long)frameTimeout.TotalMilliseconds) : 0;
        _idleMs = idleMs;
        _currentMs = idleMs;
    }

    /// <summary>After parsing a read; false when the pending frame has run out of time.</summary>
    public bool Update(bool pending)
    {
        if (_frameMs == 0)
        {
            return true;
        }

        if (!pending)
        {
            _startedMs = 0;
            SetReceiveTimeout(_idleMs);
            return true;
        }

        var now = Environment.TickCount64;
        if (_startedMs == 0)
        {
            _startedMs = now;
        }

        var left = _frameMs - (now - _startedMs);
        if (left <= 0)
        {
            return false;
        }

        var ms = (int)Math.Min(left, int.MaxValue);
        SetReceiveTimeout(_idleMs > 0 ? Math.Min(_idleMs, ms) : ms);
        return true;
    }

    private void SetReceiveTimeout(int ms)
    {
        if (ms != _currentMs)
        {
            _socket.ReceiveTimeout = ms;
            _currentMs = ms;
        }
    }
}
