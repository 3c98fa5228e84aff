using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>
/// Reads and writes <c>struct epoll_event</c> in raw memory, and registers descriptors with epoll_ctl. Its layout
/// differs by architecture: packed (12 bytes, data at offset 4) on x86-64, naturally aligned (16 bytes, data at
/// offset 8) elsewhere. The checks are static readonly, so the JIT folds them to constants. A buffer for epoll_wait
/// needs <see cref="Size"/> bytes per event (16 per event is enough everywhere).
/// </summary>
internal static unsafe class EpollEvent
{
    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>The events mask of event <paramref name="index"/> in a buffer filled by epoll_wait.</summary>
    public static uint Events(byte* array, int index) => Unsafe.ReadUnaligned<uint>(array + (index * Size));

    /// <summary>The user data of event <paramref name="index"/> in a buffer filled by epoll_wait.</summary>
    public static ulong Data(byte* array, int index) => Unsafe.ReadUnaligned<ulong>(array + (index * Size) + DataOffset);

    /// <summary>The events mask of event <paramref name="index"/> in a managed buffer filled by epoll_wait.</summary>
    public static uint Events(ReadOnlySpan<byte> array, int index) => MemoryMarshal.Read<uint>(array[(index * Size)..]);

    /// <summary>The user data of event <paramref name="index"/> in a managed buffer filled by epoll_wait.</summary>
    public static ulong Data(ReadOnlySpan<byte> array, int index) => MemoryMarshal.Read<ulong>(array[((index * Size) + DataOffset)..]);

    /// <summary>epoll_ctl for one descriptor (<see cref="LinuxConstants.EpollCtlAdd"/>, Mod or Del); returns 0 or errno.</summary>
    public static int Control(SafeEpollHandle epoll, int op, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
        var added = false;
        try
        {
            epoll.DangerousAddRef(ref added);
            return LibC.EpollCtl((int)epoll.DangerousGetHandle(), op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                epoll.DangerousRelease();
            }
        }
    }

    /// <summary><see cref="Control(SafeEpollHandle, int, int, uint, ulong)"/> for a descriptor owned by a SafeHandle.</summary>
    public static int Control(SafeEpollHandle epoll, int op, SafeHandle target, uint events, ulong data)
    {
        var added = false;
        try
        {
            target.DangerousAddRef(ref added);
            return Control(epoll, op, (int)target.DangerousGetHandle(), events, data);
        }
        finally
        {
            if (added)
            {
                target.DangerousRelease();
            }
        }
    }
}
