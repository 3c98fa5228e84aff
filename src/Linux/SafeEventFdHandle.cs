using Microsoft.Win32.SafeHandles;

namespace EchoServers.Linux;

/// <summary>
/// A non-blocking eventfd: how another thread wakes a loop sleeping in epoll_wait. <see cref="Signal"/> may race with
/// the owner's dispose (a stop requested as the loop ends); the SafeHandle ref-count makes that write either reach
/// this eventfd or not happen, never land on a descriptor number the process has since reused.
/// </summary>
internal sealed unsafe class SafeEventFdHandle : SafeHandleMinusOneIsInvalid
{
    private SafeEventFdHandle(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>A new non-blocking, close-on-exec eventfd at 0; throws a <see cref="System.Net.Sockets.SocketException"/> when the kernel refuses.</summary>
    public static SafeEventFdHandle Create()
    {
        var fd = LibC.EventFd(0, LinuxConstants.EfdNonBlock | LinuxConstants.EfdCloexec);
        return fd < 0 ? throw Errno.LastSocketException("eventfd") : new SafeEventFdHandle(fd);
    }

    /// <summary>Adds 1 to the counter (makes the eventfd readable); false when it is already closed. Any thread.</summary>
    public bool Signal()
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            ulong one = 1;
            return LibC.Write((int)handle, (byte*)&one, sizeof(ulong)) == sizeof(ulong);
        }
        catch (ObjectDisposedException)
        {
            // Closed: whoever it would have woken has ended.
            return false;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Reads and resets the counter (0 when nothing was signalled: the eventfd is non-blocking).</summary>
    public ulong Drain()
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            ulong value = 0;
            return LibC.Read((int)handle, (byte*)&value, sizeof(ulong)) == sizeof(ulong) ? value : 0;
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
