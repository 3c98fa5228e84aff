using System.Net.Sockets;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// Accepting on one loop's SO_REUSEPORT listener: raw accept4, TCP_NODELAY, the connection limit, retrying what one
/// pending connection's failure costs, and backing off when descriptors run out.
/// </summary>
internal sealed unsafe class LoopAcceptor : IDisposable
{
    /// <summary>The listener's epoll data word (the waker has <see cref="EpollSet.WakeToken"/>).</summary>
    public const ulong ListenerToken = ulong.MaxValue - 1;

    private readonly LoopSettings _settings;
    private readonly EpollSet _epoll;
    private readonly LoopConnections _connections;
    private readonly Socket _listener;
    private readonly int _listenerFd;
    private long _accepted;

    public LoopAcceptor(Socket listener, LoopSettings settings, EpollSet epoll, LoopConnections connections)
    {
        _listener = listener;
        _listenerFd = (int)listener.SafeHandle.DangerousGetHandle();
        _settings = settings;
        _epoll = epoll;
        _connections = connections;
        epoll.Add(listener.SafeHandle, LinuxConstants.EpollIn, ListenerToken);
        Listening = true;
    }

    public bool Listening { get; private set; }

    /// <summary>When accepting resumes after a pause (<see cref="LoopClock"/> ticks); 0 = not paused.</summary>
    public long ResumeAt { get; private set; }

    /// <summary>Connections this loop accepted (tests check that SO_REUSEPORT spreads them).</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    public void AcceptBatch()
    {
        for (var i = 0; i < LoopSettings.AcceptBatch && Listening; i++)
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
                    Pause(errno);
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

            if (!_connections.TryOpen(fd))
            {
                _settings.Limit.Release();
                continue;
            }

            Interlocked.Increment(ref _accepted);
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
    private void Pause(int errno)
    {
        _epoll.Control(LinuxConstants.EpollCtlMod, _listenerFd, 0, ListenerToken);
        ResumeAt = _connections.Now + LoopClock.ToTicks(LoopSettings.AcceptPause);
        _settings.Events.Report(ConnectionEvent.AcceptFailed, null, LoopDiagnostics.ErrnoText(errno));
    }

    public void Resume()
    {
        ResumeAt = 0;
        if (Listening)
        {
            _epoll.Control(LinuxConstants.EpollCtlMod, _listenerFd, LinuxConstants.EpollIn, ListenerToken);
        }
    }

    /// <summary>Stop accepting: out of the epoll set, and closed (clients still connecting are refused by the kernel).</summary>
    public void Close()
    {
        if (!Listening)
        {
            return;
        }

        Listening = false;
        ResumeAt = 0;
        _epoll.Control(LinuxConstants.EpollCtlDel, _listenerFd, 0, 0);
        _listener.Dispose();
    }

    public void Dispose() => _listener.Dispose();
}
