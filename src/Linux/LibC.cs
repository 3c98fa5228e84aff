using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>
/// Every libc call the repository makes, each declared once, source generated (<c>[LibraryImport]</c>: blittable
/// arguments, no marshalling stubs beyond saving errno; read it with <see cref="Marshal.GetLastPInvokeError"/>).
/// <para>
/// Descriptors are raw <see cref="int"/>s here. The long-lived epoll and eventfd descriptors are owned by
/// <see cref="SafeEpollHandle"/> and <see cref="SafeEventFdHandle"/>, which pass their fd in under a ref-count.
/// Per-connection sockets stay raw ints on purpose: a <see cref="SafeHandle"/> parameter costs an interlocked
/// add-ref and release on every send and recv, and a Socket's sync calls add argument validation and SocketError
/// mapping on top; here one recv and one send per message is all there is, as in the C reference. Their owner (one
/// loop thread) is the only code that uses or closes them, so the fd cannot be recycled under a call.
/// </para>
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    // epoll and eventfd

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    /// <summary>epoll_wait with a nanosecond timeout (Linux 5.11+; ENOSYS before).</summary>
    [LibraryImport(Library, EntryPoint = "epoll_pwait2", SetLastError = true)]
    public static partial int EpollPwait2(int epfd, byte* events, int maxEvents, TimeSpec* timeout, nint sigmask);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    // descriptors and sockets

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, byte* address, uint* addressLength, int flags);

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* address, uint addressLength);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* address, uint addressLength);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Library, EntryPoint = "getpeername", SetLastError = true)]
    public static partial int GetPeerName(int fd, byte* address, uint* addressLength);

    // processes, threads, time

    /// <summary>statx(2): <paramref name="buffer"/> is a <c>struct statx</c> (256 bytes, the same layout on every ABI).</summary>
    [LibraryImport(Library, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "clock_nanosleep", SetLastError = true)]
    public static partial int ClockNanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);

    [LibraryImport(Library, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Library, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int SchedSetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport(Library, EntryPoint = "sched_getaffinity", SetLastError = true)]
    public static partial int SchedGetAffinity(int pid, nint size, ulong* mask);

    /// <summary>The cheapest real system call (glibc never caches it): the bench's measure of a system call's cost.</summary>
    [LibraryImport(Library, EntryPoint = "getppid")]
    public static partial int GetPpid();

    /// <summary>
    /// <c>syscall(2)</c> with three arguments, for the calls glibc before 2.41 has no wrapper for (sched_setattr,
    /// sched_getattr). Variadic in C; the integer arguments go in the same registers as for a fixed signature.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3, nint arg4);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary><c>struct timespec</c> (64-bit time_t on both targets).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;

        public static TimeSpec FromNanoseconds(long nanoseconds) =>
            new() { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
    }

    /// <summary><c>struct rlimit</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
