using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// The write side of one loop's connections: one send of the replies built in place; what the socket did not take is
/// kept in the connection's own buffer and waits for EPOLLOUT (reading stops meanwhile: backpressure); once nothing
/// is owed, read again or finish closing.
/// </summary>
internal sealed unsafe class ConnectionWriter
{
    private readonly LoopConnections _connections;

    public ConnectionWriter(LoopConnections connections) => _connections = connections;

    /// <summary>Sends <c>buffer[..written]</c>; keeps what the socket did not take and the partial frame at <c>[consumed, total)</c>.</summary>
    public void WriteBack(Connection c, Span<byte> buffer, int written, int consumed, int total)
    {
        var sent = 0;
        if (written > 0)
        {
            nint r;
            fixed (byte* p = buffer)
            {
                do
                {
                    r = LibC.Send(c.Fd, p, (nuint)written, LinuxConstants.MsgNoSignal);
                }
                while (r < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
            }

            if (r < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EAGAIN)
                {
                    _connections.PeerGone(c, "write failed", errno);
                    return;
                }
            }
            else
            {
                sent = (int)r;
            }
        }

        var partial = total - consumed;
        if (c.Buffer is null)
        {
            if (sent == written && partial == 0)
            {
                AfterDrain(c);
                return;
            }

            Keep(c, buffer, sent, written, consumed, total);
        }
        else if (sent == written)
        {
            c.OutStart = c.OutEnd = 0;
            c.InStart = consumed;
            c.InEnd = total;
        }
        else
        {
            c.OutStart = sent;
            c.OutEnd = written;
            c.InStart = consumed;
            c.InEnd = total;
        }

        TrackSend(c, sent);
        if (c.HasPendingOutput)
        {
            // Backpressure: stop reading this peer until it takes what it is owed.
            _connections.SetInterest(c, LinuxConstants.EpollOut);
        }
        else
        {
            AfterDrain(c);
        }
    }

    /// <summary>Copies unsent output and the partial frame out of the shared buffer into the connection's own.</summary>
    public void Keep(Connection c, Span<byte> buffer, int sent, int written, int consumed, int total)
    {
        var outLength = written - sent;
        var own = _connections.RentBuffer(outLength + (total - consumed));
        buffer[sent..written].CopyTo(own);
        buffer[consumed..total].CopyTo(own.AsSpan(outLength));
        c.Buffer = own;
        c.OutStart = 0;
        c.OutEnd = outLength;
        c.InStart = outLength;
        c.InEnd = outLength + (total - consumed);
    }

    public void OnWritable(Connection c)
    {
        if (!TryFlush(c))
        {
            return;
        }

        if (c.HasPendingOutput)
        {
            _connections.SetInterest(c, LinuxConstants.EpollOut);
        }
        else
        {
            AfterDrain(c);
        }
    }

    /// <summary>Sends as much pending output as the socket takes; false when the connection was closed.</summary>
    private bool TryFlush(Connection c)
    {
        if (!c.HasPendingOutput)
        {
            return true;
        }

        nint r;
        fixed (byte* p = c.Buffer)
        {
            r = LibC.Send(c.Fd, p + c.OutStart, (nuint)(c.OutEnd - c.OutStart), LinuxConstants.MsgNoSignal);
        }

        if (r < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.EAGAIN or Errno.EINTR)
            {
                TrackSend(c, 0);
                return true;
            }

            _connections.PeerGone(c, "write failed", errno);
            return false;
        }

        c.OutStart += (int)r;
        if (c.OutStart == c.OutEnd)
        {
            c.OutStart = c.OutEnd = 0;
        }

        TrackSend(c, (int)r);
        return true;
    }

    /// <summary>Nothing is pending any more: read again, or finish closing.</summary>
    private void AfterDrain(Connection c)
    {
        if (!c.HasPartialInput)
        {
            _connections.ReleaseBuffer(c);
        }

        if (c.PeerClosed || (c.CloseAfterFlush && _connections.DrainExpired))
        {
            _connections.FinishClose(c);
        }
        else if (c.CloseAfterFlush)
        {
            _connections.StartLinger(c);
        }
        else
        {
            _connections.SetInterest(c, LinuxConstants.EpollIn);
        }
    }

    /// <summary>
    /// The send clock (<c>--send-timeout</c>): runs from when replies first wait, restarts whenever the peer takes some
    /// bytes, stops once nothing waits. The loop's scan aborts a connection whose clock passed the timeout.
    /// </summary>
    private void TrackSend(Connection c, int sent)
    {
        c.SendBlockedSince = !c.HasPendingOutput ? 0 : sent > 0 || c.SendBlockedSince == 0 ? _connections.Now : c.SendBlockedSince;
    }
}
