using System.Buffers;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// The connections of one loop (loop thread only): their slot table, their epoll interest, their buffers, and every
/// way one ends (FIN, lingering close, reset), released in one order: descriptor, slot, limit, metric.
/// </summary>
internal sealed unsafe class LoopConnections
{
    private readonly int _index;
    private readonly LoopSettings _settings;
    private readonly EpollSet _epoll;
    private readonly byte* _scratch;
    private readonly SlotTable<Connection> _slots = new();
    private int _backpressured;
    private int _buffered;

    public LoopConnections(int index, LoopSettings settings, EpollSet epoll, byte* scratch)
    {
        _index = index;
        _settings = settings;
        _epoll = epoll;
        _scratch = scratch;
    }

    /// <summary>The time of the current batch of events (<see cref="LoopClock"/> ticks), set by the loop.</summary>
    public long Now { get; set; }

    public int Open => _slots.Live;

    public int Lingering { get; private set; }

    /// <summary>The drain timeout passed: a connection that has sent what it owes is closed, not lingered.</summary>
    public bool DrainExpired { get; set; }

    /// <summary>Connections not being read because their replies wait for EPOLLOUT (tests watch backpressure with it).</summary>
    public int BackpressuredCount => Volatile.Read(ref _backpressured);

    /// <summary>Connections holding a buffer of their own (a partial frame or unsent replies); tests watch partial frames with it.</summary>
    public int BufferedCount => Volatile.Read(ref _buffered);

    /// <summary>Slots ever used: iterate [0, SlotCount) with <see cref="LiveAt"/>.</summary>
    public int SlotCount => _slots.Count;

    public Connection? LiveAt(int slot) => _slots.LiveAt(slot);

    /// <summary>The open connection <paramref name="token"/> names, or null for a stale event (closed earlier in the batch).</summary>
    public Connection? Get(ulong token) => _slots.Get(token);

    /// <summary>Takes a slot for an accepted descriptor and watches it for input; false (descriptor closed) when epoll refuses it.</summary>
    public bool TryOpen(int fd)
    {
        var token = _slots.Take(out var slot, out var c);
        if (c is null)
        {
            c = new Connection();
            _slots.Set(slot, c);
        }

        c.Open(fd, token, Now);
        var error = _epoll.Control(LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollIn, token);
        if (error != 0)
        {
            EventLoopLog.SyscallFailed(_settings.Logger, _index, error, "epoll_ctl(ADD)");
            LibC.Close(fd);
            c.Reset();
            _slots.Free(token, keep: true);
            return false;
        }

        c.Interest = LinuxConstants.EpollIn;
        return true;
    }

    public void SetInterest(Connection c, uint events)
    {
        if (c.Interest == events)
        {
            return;
        }

        var errno = _epoll.Control(LinuxConstants.EpollCtlMod, c.Fd, events, c.Token);
        if (errno != 0)
        {
            EventLoopLog.SyscallFailed(_settings.Logger, _index, errno, "epoll_ctl(MOD)");
            Abort(c);
            return;
        }

        CountBackpressure(c.Interest, events);
        c.Interest = events;
    }

    private void CountBackpressure(uint before, uint after)
    {
        if (before == LinuxConstants.EpollOut)
        {
            Volatile.Write(ref _backpressured, _backpressured - 1);
        }

        if (after == LinuxConstants.EpollOut)
        {
            Volatile.Write(ref _backpressured, _backpressured + 1);
        }
    }

    /// <summary>A buffer of the connection's own, big enough for <paramref name="holds"/> bytes (at least <see cref="LoopSettings.MinBufferSize"/>).</summary>
    public byte[] RentBuffer(int holds)
    {
        Volatile.Write(ref _buffered, _buffered + 1);
        return ArrayPool<byte>.Shared.Rent(Math.Max(holds, LoopSettings.MinBufferSize));
    }

    public void ReleaseBuffer(Connection c)
    {
        if (c.Buffer is { } buffer)
        {
            Volatile.Write(ref _buffered, _buffered - 1);
            c.Buffer = null;
            c.OutStart = c.OutEnd = c.InStart = c.InEnd = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>After a protocol error: our side is shut; read and drop input until the peer closes, so our close sends FIN, not RST.</summary>
    public void StartLinger(Connection c)
    {
        LibC.Shutdown(c.Fd, LinuxConstants.ShutWr);
        c.Lingering = true;
        c.LingerDeadline = Now + LoopLimits.LingerTicks;
        Lingering++;
        SetInterest(c, LinuxConstants.EpollIn);
    }

    public void DiscardInput(Connection c)
    {
        var r = LibC.Recv(c.Fd, _scratch, LoopSettings.ReadSize, 0);
        if (r == 0 || (r < 0 && Marshal.GetLastPInvokeError() is not (Errno.EAGAIN or Errno.EINTR)))
        {
            Close(c);
        }
    }

    /// <summary>recv or send failed: a reset (what peers do, not the server's error) or, for any other errno, a failure; counted and logged like every model.</summary>
    public void PeerGone(Connection c, string what, int errno)
    {
        if (LoopDiagnostics.IsReset(errno))
        {
            if (_settings.Logger.IsEnabled(LogLevel.Debug))
            {
                _settings.Events.Report(ConnectionEvent.Reset, LoopDiagnostics.PeerOf(c.Fd), $"{what}: {LoopDiagnostics.ErrnoText(errno)}");
            }
            else
            {
                _settings.Events.Report(ConnectionEvent.Reset);
            }
        }
        else
        {
            _settings.Events.Report(ConnectionEvent.Failed, LoopDiagnostics.PeerOf(c.Fd), new IOException($"{what}: {LoopDiagnostics.ErrnoText(errno)}"));
        }

        Close(c);
    }

    /// <summary>Everything owed was sent: FIN, then close.</summary>
    public void FinishClose(Connection c)
    {
        LibC.Shutdown(c.Fd, LinuxConstants.ShutWr);
        Close(c);
    }

    /// <summary>Reset: SO_LINGER 0 makes close send RST and drop whatever is unsent.</summary>
    public void Abort(Connection c)
    {
        var linger = stackalloc int[2] { 1, 0 };
        LibC.SetSockOpt(c.Fd, LinuxConstants.SolSocket, LinuxConstants.SoLinger, linger, sizeof(int) * 2);
        Close(c);
    }

    /// <summary>Stop: resets every open connection, counted like every model (<paramref name="count"/> false: a crashed loop's last act).</summary>
    public void AbortAll(bool count)
    {
        for (var i = 0; i < _slots.Count; i++)
        {
            if (_slots.LiveAt(i) is { } c)
            {
                if (count)
                {
                    _settings.Events.Report(ConnectionEvent.AbortedOnStop);
                }

                Abort(c);
            }
        }
    }

    public void Close(Connection c)
    {
        if (c.Lingering)
        {
            Lingering--;
            c.Lingering = false;
        }

        c.Deferred = false;
        CountBackpressure(c.Interest, 0);
        ReleaseBuffer(c);

        // close() also removes the descriptor from the epoll set (we never dup it).
        LibC.Close(c.Fd);
        var token = c.Token;
        c.Reset();
        _slots.Free(token, keep: true);
        _settings.Limit.Release();
        _settings.Metrics.ConnectionClosed();
    }
}
