using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Servers.Epoll;

/// <summary>
/// What both epoll loops (the eventloop model and the epoll transport) are made of: one epoll set, its event buffer,
/// and an eventfd waker registered under <see cref="WakeToken"/>. The loop thread waits and dispatches; any thread may
/// <see cref="Wake"/> it. Wake-ups coalesce: one eventfd write until the loop has drained it.
/// </summary>
internal sealed unsafe class EpollSet : IDisposable
{
    /// <summary>The data word of the waker's events; connection tokens (slot, generation) never reach it.</summary>
    public const ulong WakeToken = ulong.MaxValue;

    private readonly SafeEpollHandle _epoll;
    private readonly SafeEventFdHandle _wake;
    private readonly byte* _events;
    private int _wakePending;
    private bool _disposed;

    public EpollSet()
    {
        _epoll = SafeEpollHandle.Create();
        try
        {
            _wake = SafeEventFdHandle.Create();
            var error = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlAdd, _wake, LinuxConstants.EpollIn, WakeToken);
            if (error != 0)
            {
                throw Errno.ToSocketException(error, "epoll_ctl(ADD eventfd)");
            }
        }
        catch
        {
            _wake?.Dispose();
            _epoll.Dispose();
            throw;
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(LoopLimits.MaxEvents * EpollEvent.Size));
    }

    /// <summary>Waits for up to <see cref="LoopLimits.MaxEvents"/> events; returns their count or -errno.</summary>
    public int Wait(int timeoutMs) => _epoll.Wait(_events, LoopLimits.MaxEvents, timeoutMs);

    /// <summary>The data word (token) of event <paramref name="index"/> of the last wait.</summary>
    public ulong Token(int index) => EpollEvent.Data(_events, index);

    /// <summary>The event bits of event <paramref name="index"/> of the last wait.</summary>
    public uint Events(int index) => EpollEvent.Events(_events, index);

    /// <summary>epoll_ctl; returns 0 or errno. Any thread (the kernel serialises epoll_ctl).</summary>
    public int Control(int op, int fd, uint events, ulong token) => EpollEvent.Control(_epoll, op, fd, events, token);

    /// <summary>epoll_ctl ADD of a handle (a listener); throws on failure.</summary>
    public void Add(SafeHandle target, uint events, ulong token)
    {
        var errno = EpollEvent.Control(_epoll, LinuxConstants.EpollCtlAdd, target, events, token);
        if (errno != 0)
        {
            throw Errno.ToSocketException(errno, "epoll_ctl(ADD)");
        }
    }

    /// <summary>Makes the loop's wait return (once, however many threads call it before the loop drains it). Any thread.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Signal();
        }
    }

    /// <summary>
    /// Loop thread, on <see cref="WakeToken"/>: drain first, then clear. A wake between the two would otherwise be
    /// drained while the flag says one is pending, and every later <see cref="Wake"/> would skip signalling. A thread
    /// that saw the flag set and did not signal is still served: what it asked for is checked after this (a full
    /// fence, so those reads cannot move before the clear).
    /// </summary>
    public void DrainWake()
    {
        _wake.Drain();
        Interlocked.Exchange(ref _wakePending, 0);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _wake.Dispose();
        _epoll.Dispose();
        NativeMemory.Free(_events);
    }
}
