using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>The hot path: one recv, replies built in place, one send; and what happens when the send is partial.</summary>
internal sealed unsafe partial class EventLoopThread
{
    private void OnReadable(Connection c)
    {
        var owned = c.Buffer;
        int start;
        nint n;
        Span<byte> buffer;
        if (owned is null)
        {
            // The common case: nothing held for this connection, read into the loop's shared buffer.
            start = 0;
            n = LibC.Recv(c.Fd, _scratch, LoopSettings.ReadSize, 0);
            buffer = new Span<byte>(_scratch, LoopSettings.ReadSize);
        }
        else
        {
            // A partial frame is waiting: move it to the front and read the rest behind it.
            if (c.InStart > 0)
            {
                owned.AsSpan(c.InStart, c.InEnd - c.InStart).CopyTo(owned);
                c.InEnd -= c.InStart;
                c.InStart = 0;
            }

            owned = GrowIfFull(c);
            start = c.InEnd;
            fixed (byte* p = owned)
            {
                n = LibC.Recv(c.Fd, p + start, (nuint)(owned.Length - start), 0);
            }

            buffer = owned;
        }

        if (n <= 0)
        {
            OnReadEnded(c, n == 0 ? 0 : Marshal.GetLastPInvokeError());
            return;
        }

        c.LastActivity = _now;
        var total = start + (int)n;
        var count = _echoer.Process(buffer, total, start, out var written, out var consumed, out var failure, out var declared);
        if (count > 0)
        {
            _settings.Metrics.OnEchoed(count, consumed, written);
        }

        if (failure != FrameStatus.Incomplete)
        {
            written += OnProtocolError(c, buffer[written..], failure, declared);
            consumed = total;
        }

        if (_settings.IoWorkTicks > 0 && count > 0)
        {
            Defer(c, buffer, written, consumed, total, count);
            return;
        }

        WriteBack(c, buffer, written, consumed, total);

        // The frame clock starts with the read that leaves a frame incomplete and stops once none is left over.
        c.FrameStartedAt = !c.HasPartialInput ? 0 : c.FrameStartedAt == 0 ? _now : c.FrameStartedAt;
    }

    /// <summary>recv returned 0 (FIN) or failed with <paramref name="errno"/>.</summary>
    private void OnReadEnded(Connection c, int errno)
    {
        if (errno == 0)
        {
            // Half-close: we only read when nothing is pending, so every reply has been sent. An unfinished frame is dropped.
            c.PeerClosed = true;
            FinishClose(c);
        }
        else if (errno is not (Errno.EAGAIN or Errno.EINTR))
        {
            PeerGone(c, "read failed", errno);
        }
    }

    /// <summary>Sends <c>buffer[..written]</c>; keeps what the socket did not take and the partial frame at <c>[consumed, total)</c>.</summary>
    private void WriteBack(Connection c, Span<byte> buffer, int written, int consumed, int total)
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
                    PeerGone(c, "write failed", errno);
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

        if (c.HasPendingOutput)
        {
            // Backpressure: stop reading this peer until it takes what it is owed.
            SetInterest(c, LinuxConstants.EpollOut);
        }
        else
        {
            AfterDrain(c);
        }
    }

    /// <summary>Copies unsent output and the partial frame out of the shared buffer into the connection's own.</summary>
    private void Keep(Connection c, Span<byte> buffer, int sent, int written, int consumed, int total)
    {
        var outLength = written - sent;
        var own = RentBuffer(outLength + (total - consumed));
        buffer[sent..written].CopyTo(own);
        buffer[consumed..total].CopyTo(own.AsSpan(outLength));
        c.Buffer = own;
        c.OutStart = 0;
        c.OutEnd = outLength;
        c.InStart = outLength;
        c.InEnd = outLength + (total - consumed);
    }

    /// <summary>
    /// Doubles the buffer of a partial frame once it is half full (up to <see cref="LoopSettings.MaxBufferSize"/>), so a
    /// frame trickling in is copied O(log n) times and a frame that never completes costs what it holds.
    /// </summary>
    private byte[] GrowIfFull(Connection c)
    {
        var owned = c.Buffer!;
        if (owned.Length - c.InEnd >= owned.Length / 2 || owned.Length >= _settings.MaxBufferSize)
        {
            return owned;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Min(owned.Length * 2, _settings.MaxBufferSize));
        owned.AsSpan(0, c.InEnd).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(owned);
        c.Buffer = grown;
        return grown;
    }

    private void OnWritable(Connection c)
    {
        if (!TryFlush(c))
        {
            return;
        }

        if (c.HasPendingOutput)
        {
            SetInterest(c, LinuxConstants.EpollOut);
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
                return true;
            }

            PeerGone(c, "write failed", errno);
            return false;
        }

        c.OutStart += (int)r;
        if (c.OutStart == c.OutEnd)
        {
            c.OutStart = c.OutEnd = 0;
        }

        return true;
    }

    /// <summary>Nothing is pending any more: read again, or finish closing.</summary>
    private void AfterDrain(Connection c)
    {
        if (!c.HasPartialInput)
        {
            ReleaseBuffer(c);
        }

        if (c.PeerClosed || (c.CloseAfterFlush && _drainExpired))
        {
            FinishClose(c);
        }
        else if (c.CloseAfterFlush)
        {
            StartLinger(c);
        }
        else
        {
            SetInterest(c, LinuxConstants.EpollIn);
        }
    }

    /// <summary>Counts and logs a protocol error; in line framing writes the error line at <paramref name="tail"/>. Returns its length.</summary>
    private int OnProtocolError(Connection c, Span<byte> tail, FrameStatus failure, long declared)
    {
        c.CloseAfterFlush = true;
        var error = ProtocolError.FromStatus(failure, _echoer.Framing, _echoer.MaxFrame, declared);
        _settings.Events.ProtocolError(PeerOf(c.Fd), error);

        if (_echoer.Framing != FramingKind.Line)
        {
            return 0;
        }

        var line = ErrorLine.For(error);
        var length = Math.Min(line.Length, tail.Length);
        line.AsSpan(0, length).CopyTo(tail);
        return length;
    }

    /// <summary>Simulated io work: hold the replies back on the loop's timer queue instead of blocking the loop.</summary>
    private void Defer(Connection c, Span<byte> buffer, int written, int consumed, int total, int count)
    {
        if (c.Buffer is null)
        {
            Keep(c, buffer, 0, written, consumed, total);
        }
        else
        {
            c.OutStart = 0;
            c.OutEnd = written;
            c.InStart = consumed;
            c.InEnd = total;
        }

        // Like the async model awaiting each frame's work in turn: a batch of N frames waits N times the work.
        c.Deferred = true;
        c.DeferredUntil = _now + (count * _settings.IoWorkTicks);
        SetInterest(c, 0);
        _deferred.Enqueue(c.Token, c.DeferredUntil);
    }

    /// <summary>After a protocol error: our side is shut; read and drop input until the peer closes, so our close sends FIN, not RST.</summary>
    private void StartLinger(Connection c)
    {
        LibC.Shutdown(c.Fd, LinuxConstants.ShutWr);
        c.Lingering = true;
        c.LingerDeadline = _now + LoopSettings.LingerTicks;
        _lingering++;
        SetInterest(c, LinuxConstants.EpollIn);
    }

    private void DiscardInput(Connection c)
    {
        var r = LibC.Recv(c.Fd, _scratch, LoopSettings.ReadSize, 0);
        if (r == 0 || (r < 0 && Marshal.GetLastPInvokeError() is not (Errno.EAGAIN or Errno.EINTR)))
        {
            Close(c);
        }
    }

    /// <summary>recv or send failed: a reset (what peers do, not the server's error) or, for any other errno, a failure; counted and logged like every model.</summary>
    private void PeerGone(Connection c, string what, int errno)
    {
        if (IsReset(errno))
        {
            if (_settings.Logger.IsEnabled(LogLevel.Debug))
            {
                _settings.Events.Report(ConnectionEvent.Reset, PeerOf(c.Fd), $"{what}: {ErrnoText(errno)}");
            }
            else
            {
                _settings.Events.Report(ConnectionEvent.Reset);
            }
        }
        else
        {
            _settings.Events.Report(ConnectionEvent.Failed, PeerOf(c.Fd), new IOException($"{what}: {ErrnoText(errno)}"));
        }

        Close(c);
    }

    /// <summary>
    /// The errnos behind <see cref="SocketErrors.IsConnectionReset"/> (ECONNRESET, ECONNABORTED, EPIPE/ESHUTDOWN,
    /// ENETRESET, ENOTCONN, EHOSTUNREACH, ENETUNREACH), so a reset is counted as in the socket models.
    /// </summary>
    private static bool IsReset(int errno) => errno is
        Errno.ECONNRESET or Errno.ECONNABORTED or Errno.EPIPE or 108 or 102 or 107 or 113 or 101;

    /// <summary>The peer of a raw socket as an endpoint, for the event log (rare paths only: it allocates).</summary>
    private static IPEndPoint? PeerOf(int fd) => IPEndPoint.TryParse(PeerAddress.Of(fd), out var peer) ? peer : null;

    /// <summary>Everything owed was sent: FIN, then close.</summary>
    private void FinishClose(Connection c)
    {
        LibC.Shutdown(c.Fd, LinuxConstants.ShutWr);
        Close(c);
    }

    /// <summary>Reset: SO_LINGER 0 makes close send RST and drop whatever is unsent.</summary>
    private void Abort(Connection c)
    {
        var linger = stackalloc int[2] { 1, 0 };
        LibC.SetSockOpt(c.Fd, LinuxConstants.SolSocket, LinuxConstants.SoLinger, linger, sizeof(int) * 2);
        Close(c);
    }

    private void Close(Connection c)
    {
        if (c.Lingering)
        {
            _lingering--;
            c.Lingering = false;
        }

        c.Deferred = false;
        CountBackpressure(c.Interest, 0);
        ReleaseBuffer(c);

        // close() also removes the descriptor from the epoll set (we never dup it).
        LibC.Close(c.Fd);
        c.Reset();
        FreeSlot(c.Slot);
        _open--;
        _settings.Limit.Release();
        _settings.Metrics.ConnectionClosed();
    }

    private void ReleaseBuffer(Connection c)
    {
        if (c.Buffer is { } buffer)
        {
            Volatile.Write(ref _buffered, _buffered - 1);
            c.Buffer = null;
            c.OutStart = c.OutEnd = c.InStart = c.InEnd = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
