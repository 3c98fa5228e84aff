using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EchoServers.Load.Engine.Interop;

/// <summary>
/// The few libc calls the generator needs (Linux only). Kept minimal on purpose: the server's epoll interop lives in
/// src/Servers/EventLoop/Interop and the two may be unified later. epoll_event is packed on x86-64 (12 bytes) and
/// naturally aligned elsewhere (16 bytes), so events are read by offset rather than through a struct.
/// </summary>
internal static unsafe partial class Native
{
    public const int EpollIn = 0x001;
    public const int EpollOut = 0x004;
    public const int EpollErr = 0x008;
    public const int EpollHup = 0x010;
    public const int EpollRdHup = 0x2000;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const int EpollCloexec = 0x80000;

    public const int MsgNoSignal = 0x4000;
    public const int MsgDontWait = 0x40;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EPipe = 32;
    public const int EConnReset = 104;
    public const int ENoSys = 38;

    private const int RlimitNoFile = 7;
    private const int PrSetTimerSlack = 29;
    private const int ClockMonotonic = 1;

    /// <summary>Size of one epoll_event in the kernel's layout for this architecture.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Offset of the 64-bit user data inside one epoll_event.</summary>
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_pwait2(int epfd, byte* events, int maxEvents, TimeSpec* timeout, nint sigmask);

    private static bool _noPwait2;

    /// <summary>
    /// epoll_wait with a nanosecond timeout (epoll_pwait2, Linux 5.11+), so the open model can sleep until a message
    /// is due instead of rounding to milliseconds. Older kernels: whole milliseconds, then polling (a spin).
    /// </summary>
    public static int EpollWaitNs(int epfd, byte* events, int maxEvents, long timeoutNs)
    {
        if (!_noPwait2)
        {
            var timeout = new TimeSpec { Seconds = timeoutNs / 1_000_000_000, Nanoseconds = timeoutNs % 1_000_000_000 };
            var n = epoll_pwait2(epfd, events, maxEvents, &timeout, 0);
            if (n >= 0 || Marshal.GetLastPInvokeError() != ENoSys)
            {
                return n;
            }

            _noPwait2 = true;
        }

        return epoll_wait(epfd, events, maxEvents, (int)(timeoutNs / 1_000_000));
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, RLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_nanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Adds or modifies <paramref name="fd"/> in <paramref name="epfd"/> with <paramref name="events"/> and user data <paramref name="data"/>.</summary>
    public static int EpollControl(int epfd, int op, int fd, int events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = (uint)events;
        *(ulong*)(ev + EpollDataOffset) = data;
        return epoll_ctl(epfd, op, fd, ev);
    }

    /// <summary>Reads the events mask of event <paramref name="index"/> in a buffer filled by epoll_wait.</summary>
    public static uint EventMask(byte* events, int index) => *(uint*)(events + (index * EpollEventSize));

    /// <summary>Reads the user data of event <paramref name="index"/> in a buffer filled by epoll_wait.</summary>
    public static ulong EventData(byte* events, int index) =>
        Unsafe.ReadUnaligned<ulong>(events + (index * EpollEventSize) + EpollDataOffset);

    /// <summary>The soft and hard limits on open file descriptors.</summary>
    public static bool TryGetFileLimit(out ulong soft, out ulong hard)
    {
        RLimit limit;
        if (getrlimit(RlimitNoFile, &limit) != 0)
        {
            soft = hard = 0;
            return false;
        }

        soft = limit.Current;
        hard = limit.Maximum;
        return true;
    }

    /// <summary>Raises the soft file limit to <paramref name="soft"/> (at most the hard limit).</summary>
    public static bool TrySetFileLimit(ulong soft, ulong hard)
    {
        var limit = new RLimit { Current = soft, Maximum = hard };
        return setrlimit(RlimitNoFile, &limit) == 0;
    }

    /// <summary>Sleeps for <paramref name="nanoseconds"/> on the monotonic clock (finer than Thread.Sleep's milliseconds).</summary>
    public static void SleepNanoseconds(long nanoseconds)
    {
        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        _ = clock_nanosleep(ClockMonotonic, 0, &request, null);
    }

    /// <summary>Asks for 1 ns timer slack on the calling thread so short sleeps are not rounded up by 50 µs.</summary>
    public static void MinimiseTimerSlack() => _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
