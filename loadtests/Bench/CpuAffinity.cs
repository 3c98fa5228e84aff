using System.Globalization;
using EchoServers.Linux;

namespace EchoServers.Load.Bench;

/// <summary>
/// Pinning to CPUs. On Linux affinity belongs to each thread and a new thread (or a forked child) inherits its
/// creator's, so a whole process is pinned by setting every thread it has now: the threads it makes later inherit.
/// </summary>
public static class CpuAffinity
{
    /// <summary>The CPUs this process may run on (0–63), in order.</summary>
    public static IReadOnlyList<int> Allowed()
    {
        if (!OperatingSystem.IsLinux() || !ThreadAffinity.TryGet(0, out var mask))
        {
            return [.. Enumerable.Range(0, Math.Min(Environment.ProcessorCount, 64))];
        }

        return [.. Enumerable.Range(0, 64).Where(cpu => (mask & (1UL << cpu)) != 0)];
    }

    /// <summary>Pins every thread of process <paramref name="pid"/> to <paramref name="cpu"/>; false if one could not be.</summary>
    public static bool PinProcess(int pid, int cpu)
    {
        var ok = true;

        // Twice: a thread created while the first sweep ran may have inherited the old mask from an unpinned parent.
        for (var sweep = 0; sweep < 2; sweep++)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                    && !ThreadAffinity.TrySet(tid, 1UL << cpu)
                    && Directory.Exists(task))
                {
                    ok = false;
                }
            }
        }

        return ok;
    }

    /// <summary>Pins the calling thread only (children it starts inherit this mask).</summary>
    public static bool PinCurrentThread(int cpu) => ThreadAffinity.TrySet(0, 1UL << cpu);

    /// <summary>Cpus_allowed_list of process <paramref name="pid"/> as the kernel reports it (for the report), or "?".</summary>
    public static string AllowedList(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            return line is null ? "?" : line["Cpus_allowed_list:".Length..].Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
