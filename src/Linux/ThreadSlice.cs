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

    /// <summary>The calling thread's slice as the kernel reports it (its default, 0.75 ms × (1 + log2 CPUs), unless set).</summary>
    public static bool TryGet(out TimeSpan slice)
    {
        slice = TimeSpan.Zero;
        var attr = stackalloc byte[SchedAttrSize];
        if (!TryGetAttr(attr))
        {
            return false;
        }

        slice = TimeSpan.FromTicks((long)(*(ulong*)(attr + RuntimeOffset) / 100));
        return true;
    }

    /// <summary>
    /// Sets the calling thread's slice, keeping its policy and nice value. To go back, set the value
    /// <see cref="TryGet"/> read before: a runtime of 0 does not restore the default on Linux 6.18 (the kernel then
    /// reports a slice of 0, and such a thread wins every wake-up). False when the kernel refused, or not Linux on
    /// x64 or arm64.
    /// </summary>
    public static bool TrySet(TimeSpan slice)
    {
        var attr = stackalloc byte[SchedAttrSize];
        if (slice <= TimeSpan.Zero || !TryGetAttr(attr))
        {
            return false;
        }

        *(uint*)attr = SchedAttrSize;
        *(ulong*)(attr + 8) = 0; // flags
        *(ulong*)(attr + RuntimeOffset) = (ulong)(slice.Ticks * 100);
        return LibC.Syscall(SetAttr, 0, (nint)attr, 0, 0) == 0;
    }

    // struct sched_attr: size u32, policy u32, flags u64, nice s32, priority u32, runtime u64, ...
    private const int RuntimeOffset = 24;

    private static readonly (int Set, int Get) Numbers = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 when OperatingSystem.IsLinux() => (314, 315),
        Architecture.Arm64 when OperatingSystem.IsLinux() => (274, 275),
        _ => (0, 0),
    };

    private static int SetAttr => Numbers.Set;

    private static bool TryGetAttr(byte* attr) =>
        Numbers.Get != 0 && LibC.Syscall(Numbers.Get, 0, (nint)attr, SchedAttrSize, 0) == 0;
}
