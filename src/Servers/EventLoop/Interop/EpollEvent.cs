using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EchoServers.Servers.EventLoop.Interop;

/// <summary>
/// Reads and writes <c>struct epoll_event</c> in raw memory. Its layout differs by architecture: packed (12 bytes,
/// data at offset 4) on x86-64, naturally aligned (16 bytes, data at offset 8) elsewhere. The checks are static
/// readonly, so the JIT folds them to constants.
/// </summary>
internal static unsafe class EpollEvent
{
    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static uint Events(byte* array, int index) => Unsafe.ReadUnaligned<uint>(array + (index * Size));

    public static ulong Data(byte* array, int index) => Unsafe.ReadUnaligned<ulong>(array + (index * Size) + DataOffset);

    /// <summary>epoll_ctl for one descriptor; returns 0 or errno.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
        return LibC.EpollCtl(epfd, op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
