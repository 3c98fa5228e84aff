namespace EchoServers.Linux;

/// <summary>CPU affinity, which Linux keeps per thread (a thread id, or 0 for the calling thread); CPUs 0–63 only.</summary>
internal static unsafe class ThreadAffinity
{
    /// <summary>Sets the CPU mask of thread <paramref name="tid"/>.</summary>
    public static bool TrySet(int tid, ulong mask) => LibC.SchedSetAffinity(tid, sizeof(ulong), &mask) == 0;

    /// <summary>The CPU mask of thread <paramref name="tid"/>.</summary>
    public static bool TryGet(int tid, out ulong mask)
    {
        // The kernel wants room for its whole cpumask; 1024 bits covers any configuration.
        var buffer = stackalloc ulong[16];
        if (LibC.SchedGetAffinity(tid, 16 * sizeof(ulong), buffer) < 0)
        {
            mask = 0;
            return false;
        }

        mask = buffer[0];
        return true;
    }
}
