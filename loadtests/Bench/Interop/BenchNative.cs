using System.Runtime.InteropServices;

namespace EchoServers.Load.Bench.Interop;

/// <summary>The libc calls bench needs beyond the engine's: CPU affinity (per thread on Linux) and signals.</summary>
internal static unsafe partial class BenchNative
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    /// <summary>Sets the CPU mask of thread <paramref name="tid"/> (0 = the calling thread); CPUs 0–63 only.</summary>
    public static bool TrySetAffinity(int tid, ulong mask) => sched_setaffinity(tid, sizeof(ulong), &mask) == 0;

    /// <summary>The CPU mask of thread <paramref name="tid"/> (0 = the calling thread); CPUs 0–63 only.</summary>
    public static bool TryGetAffinity(int tid, out ulong mask)
    {
        // The kernel wants room for its whole cpumask; 1024 bits covers any configuration.
        var buffer = stackalloc ulong[16];
        if (sched_getaffinity(tid, 16 * sizeof(ulong), buffer) < 0)
        {
            mask = 0;
            return false;
        }

        mask = buffer[0];
        return true;
    }
}
