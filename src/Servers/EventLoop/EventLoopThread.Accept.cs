using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.EventLoop;

/// <summary>Accepting: raw accept4, TCP_NODELAY, the connection limit, and backing off when descriptors run out.</summary>
internal sealed unsafe partial class EventLoopThread
{
    private void AcceptBatch()
    {
        for (var i = 0; i < LoopSettings.AcceptBatch && _listening; i++)
        {
            var fd = Accept(out var errno);
            if (fd < 0)
            {
                if (Errno.IsTransientAccept(errno))
                {
                    // That one pending connection failed (reset in the backlog, a firewall rule): take the next.
                    if (errno != Errno.EINTR)
                    {
                        _settings.Events.Report(ConnectionEvent.Reset);
                    }

                    continue;
                }

                if (errno != Errno.EAGAIN)
                {
                    PauseAccepting(errno);
                }

                return;
            }

            // The accept policy of the socket models (configure, limit, refuse), on a raw descriptor: nothing here
            // throws, and a failing setsockopt (a peer that already reset) surfaces on the first recv as a reset.
            var one = 1;
            LibC.SetSockOpt(fd, LinuxConstants.IpProtoTcp, LinuxConstants.TcpNoDelay, &one, sizeof(int));
            if (!_settings.Limit.TryAcquire())
            {
                Reject(fd);
                continue;
            }

            var c = AllocateSlot();
            c.Open(fd, _now);
            var error = EpollEvent.Control(_epfd, LinuxConstants.EpollCtlAdd, fd, LinuxConstants.EpollIn, c.Token);
            if (error != 0)
            {
                EventLoopLog.SyscallFailed(_settings.Logger, _index, error, "epoll_ctl(ADD)");
                LibC.Close(fd);
                c.Reset();
                FreeSlot(c.Slot);
                _settings.Limit.Release();
                continue;
            }

            c.Interest = LinuxConstants.EpollIn;
            _open++;
            Interlocked.Increment(ref _acceptedCount);
            _settings.Metrics.ConnectionOpened();
        }
    }

    private int Accept(out int errno)
    {
        errno = _settings.Context.Hooks?.AcceptErrno?.Invoke() ?? 0;
        if (errno != 0)
        {
            return -1;
        }

        var fd = LibC.Accept4(_listenerFd, null, null, LinuxConstants.SockNonBlock | LinuxConstants.SockCloexec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>Over --max-connections: say why (line framing, the same line as every model), then close at once; counted, summarised per interval.</summary>
    private void Reject(int fd)
    {
        _settings.Events.Report(ConnectionEvent.RefusedLimit);
        if (_settings.Framing == FramingKind.Line)
        {
            // A fresh socket's send buffer is empty, so this short line is taken whole or the peer is already gone.
            fixed (byte* line = _settings.RejectLine)
            {
                LibC.Send(fd, line, (nuint)_settings.RejectLine.Length, LinuxConstants.MsgNoSignal);
            }
        }

        LibC.Shutdown(fd, LinuxConstants.ShutWr);
        LibC.Close(fd);
    }

    /// <summary>
    /// EMFILE and friends leave the pending connection in the backlog, so a level-triggered listener would report it
    /// again at once and spin the loop at 100 % CPU. Stop watching the listener for a while instead; connections
    /// closing meanwhile free descriptors.
    /// </summary>
    private void PauseAccepting(int errno)
    {
        EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, _listenerFd, 0, ListenerToken);
        _acceptResumeAt = _now + LoopSettings.ToTicks(LoopSettings.AcceptPause);
        _settings.Events.Report(ConnectionEvent.AcceptFailed, null, ErrnoText(errno));
    }

    private void ResumeAccepting()
    {
        _acceptResumeAt = 0;
        if (_listening)
        {
            EpollEvent.Control(_epfd, LinuxConstants.EpollCtlMod, _listenerFd, LinuxConstants.EpollIn, ListenerToken);
        }
    }

    /// <summary>The detail of a Debug line for a failed system call (rare paths only: it allocates).</summary>
    private static string ErrnoText(int errno) => $"errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}";

    private Connection AllocateSlot()
    {
        if (_freeCount > 0)
        {
            return _slots[_freeSlots[--_freeCount]];
        }

        if (_slotCount == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
            Array.Resize(ref _freeSlots, _slots.Length);
        }

        var c = new Connection(_slotCount);
        _slots[_slotCount++] = c;
        return c;
    }

    private void FreeSlot(int slot) => _freeSlots[_freeCount++] = slot;
}
