using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EchoServers.Linux;

/// <summary>
/// An epoll instance. Owning it through a SafeHandle closes it exactly once (even if its owner is never disposed)
/// and never while a call is using it, so a descriptor number cannot be recycled under a late epoll_wait or
/// epoll_ctl. The ref-count costs one interlocked pair per call, which is nothing next to the system call; the
/// sockets it watches stay raw ints (see <see cref="LibC"/>).
/// </summary>
internal sealed unsafe class SafeEpollHandle : SafeHandleMinusOneIsInvalid
{
    private static bool _noPwait2;

    private SafeEpollHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>A new close-on-exec epoll instance; throws a <see cref="System.Net.Sockets.SocketException"/> when the kernel refuses.</summary>
    public static SafeEpollHandle Create()
    {
        var fd = LibC.EpollCreate1(LinuxConstants.EpollCloexec);
        return fd < 0 ? throw Errno.LastSocketException("epoll_create1") : new SafeEpollHandle(fd);
    }

    /// <summary>epoll_wait: the number of events written to <paramref name="events"/>, or −errno (EINTR is the usual one).</summary>
    public int Wait(byte* events, int maxEvents, int timeoutMs)
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            var n = LibC.EpollWait((int)handle, events, maxEvents, timeoutMs);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary><see cref="Wait(byte*, int, int)"/> into a managed buffer (as many events as fit).</summary>
    public int Wait(Span<byte> events, int timeoutMs)
    {
        fixed (byte* p = events)
        {
            return Wait(p, events.Length / EpollEvent.Size, timeoutMs);
        }
    }

    /// <summary>
    /// <see cref="Wait(byte*, int, int)"/> with a nanosecond timeout (epoll_pwait2, Linux 5.11+), so a sender can
    /// sleep until a message is due instead of rounding to milliseconds. Older kernels: whole milliseconds.
    /// </summary>
    public int WaitNanoseconds(byte* events, int maxEvents, long timeoutNs)
    {
        if (Volatile.Read(ref _noPwait2))
        {
            return Wait(events, maxEvents, (int)(timeoutNs / 1_000_000));
        }

        var added = false;
        try
        {
            DangerousAddRef(ref added);
            var timeout = LibC.TimeSpec.FromNanoseconds(timeoutNs);
            var n = LibC.EpollPwait2((int)handle, events, maxEvents, &timeout, 0);
            if (n >= 0)
            {
                return n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.ENOSYS)
            {
                return -errno;
            }

            Volatile.Write(ref _noPwait2, true);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }

        return Wait(events, maxEvents, (int)(timeoutNs / 1_000_000));
    }

    /// <summary><see cref="WaitNanoseconds(byte*, int, long)"/> into a managed buffer (as many events as fit).</summary>
    public int WaitNanoseconds(Span<byte> events, long timeoutNs)
    {
        fixed (byte* p = events)
        {
            return WaitNanoseconds(p, events.Length / EpollEvent.Size, timeoutNs);
        }
    }

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
