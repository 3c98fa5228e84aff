using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>
/// The calling thread's time slice under EEVDF (Linux 6.12+: <c>sched_attr.sched_runtime</c> for SCHED_OTHER, 0.1 to
/// 100 ms). A shorter slice earns an earlier deadline: woken, the thread runs before the threads of longer slices
/// (and preempts them), for about one slice; its share of the CPU over time is unchanged, which is what separates
/// it from a nice value. No privilege is needed. Older kernels ignore the field; other systems do nothing here.
/// </summary>
internal static unsafe class ThreadSlice
{
    private const int SchedAttrSize = 56; // SCHED_ATTR_SIZE_VER1

    /// <summary>
    /// Sets the calling thread's slice (<see cref="TimeSpan.Zero"/> = the kernel's default), keeping its policy and
    /// nice value. False when the kernel refused or this is not Linux on x64 or arm64.
    /// </summary>
    public static bool TrySet(TimeSpan slice)
    {
        var (set, get) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (314, 315),
            Architecture.Arm64 => (274, 275),
            _ => (0, 0),
        };
        if (set == 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        var attr = stackalloc byte[SchedAttrSize];
        if (LibC.Syscall(get, 0, (nint)attr, SchedAttrSize, 0) != 0)
        {
            return false;
        }

        // struct sched_attr: size u32, policy u32, flags u64, nice s32, priority u32, runtime u64 (offset 24), ...
        *(uint*)attr = SchedAttrSize;
        *(ulong*)(attr + 8) = 0;
        *(ulong*)(attr + 24) = (ulong)(slice.Ticks * 100);
        return LibC.Syscall(set, 0, (nint)attr, 0, 0) == 0;
    }
}
