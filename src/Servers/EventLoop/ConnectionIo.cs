using System.Buffers;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// The hot path of one loop: a readiness event, one recv, replies built in place, one send; and what happens when the
/// send is partial (the rest waits for EPOLLOUT, reading stops), a frame is split across reads (the connection keeps
/// it in a buffer that grows with it), or a reply is held back (simulated io work, on the loop's timer queue).
/// </summary>
internal sealed unsafe class ConnectionIo
{
    private readonly LoopSettings _settings;
    private readonly InPlaceEchoer _echoer;
    private readonly LoopConnections _connections;
    private readonly ConnectionWriter _writer;
    private readonly byte* _scratch;
    private readonly PriorityQueue<ulong, long> _deferred = new();

    public ConnectionIo(LoopSettings settings, LoopConnections connections, ConnectionWriter writer, byte* scratch)
    {
        _settings = settings;
        _echoer = settings.Echoer;
        _connections = connections;
        _writer = writer;
        _scratch = scratch;
    }

    /// <summary>When the next deferred reply is due, or <see cref="long.MaxValue"/>.</summary>
    public long NextDeferred => _deferred.TryPeek(out _, out var due) ? due : long.MaxValue;

    /// <summary>Sends the deferred replies that are due.</summary>
    public void RunDeferred(long now)
    {
        while (_deferred.TryPeek(out var token, out var due) && due <= now)
        {
            _deferred.Dequeue();
            if (_connections.Get(token) is { Deferred: true } c)
            {
                c.Deferred = false;
                _writer.OnWritable(c);
            }
        }
    }

    public void OnConnectionEvent(ulong token, uint events)
    {
        // Null for an event queued for a connection closed earlier in this batch (its slot may even hold a new one).
        if (_connections.Get(token) is not { } c)
        {
            return;
        }

        try
        {
            OnConnectionEvent(c, events);
        }
        catch (Exception ex)
        {
            // A bug must cost one connection, not the loop and everyone on it.
            _settings.Events.Report(ConnectionEvent.Failed, c.IsOpen ? LoopDiagnostics.PeerOf(c.Fd) : null, ex);
            if (c.IsOpen)
            {
                _connections.Abort(c);
            }
        }
    }

    private void OnConnectionEvent(Connection c, uint events)
    {
        const uint ErrorOrHangUp = LinuxConstants.EpollErr | LinuxConstants.EpollHup;
        if (c.Lingering)
        {
            _connections.DiscardInput(c);
        }
        else if (c.Deferred)
        {
            // Not registered for anything, but epoll always reports errors; the reply can no longer be delivered.
            if ((events & ErrorOrHangUp) != 0)
            {
                _connections.Abort(c);
            }
        }
        else if (c.HasPendingOutput)
        {
            if ((events & (LinuxConstants.EpollOut | ErrorOrHangUp)) != 0)
            {
                _writer.OnWritable(c);
            }
        }
        else if ((events & (LinuxConstants.EpollIn | ErrorOrHangUp)) != 0)
        {
            OnReadable(c);
        }
    }

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

        c.LastActivity = _connections.Now;
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

        _writer.WriteBack(c, buffer, written, consumed, total);

        // The frame clock starts with the read that leaves a frame incomplete and stops once none is left over.
        c.FrameStartedAt = !c.HasPartialInput ? 0 : c.FrameStartedAt == 0 ? _connections.Now : c.FrameStartedAt;
    }

    /// <summary>recv returned 0 (FIN) or failed with <paramref name="errno"/>.</summary>
    private void OnReadEnded(Connection c, int errno)
    {
        if (errno == 0)
        {
            // Half-close: we only read when nothing is pending, so every reply has been sent. An unfinished frame is dropped.
            c.PeerClosed = true;
            _connections.FinishClose(c);
        }
        else if (errno is not (Errno.EAGAIN or Errno.EINTR))
        {
            _connections.PeerGone(c, "read failed", errno);
        }
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

    /// <summary>Counts and logs a protocol error; in line framing writes the error line at <paramref name="tail"/>. Returns its length.</summary>
    private int OnProtocolError(Connection c, Span<byte> tail, FrameStatus failure, long declared)
    {
        c.CloseAfterFlush = true;
        var error = ProtocolError.FromStatus(failure, _echoer.Framing, _echoer.MaxFrame, declared);
        _settings.Events.ProtocolError(LoopDiagnostics.PeerOf(c.Fd), error);

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
            _writer.Keep(c, buffer, 0, written, consumed, total);
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
        c.DeferredUntil = _connections.Now + (count * _settings.IoWorkTicks);
        _connections.SetInterest(c, 0);
        _deferred.Enqueue(c.Token, c.DeferredUntil);
    }
}
