using System.Globalization;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// One reading of a process from Linux /proc: what the soak (flat memory and handles), scale (memory at 10k
/// connections) and fd-exhaustion (no accept-loop spin: CPU time barely moves) cases compare over time.
/// </summary>
/// <param name="RssBytes">Resident memory (VmRSS).</param>
/// <param name="OpenFds">Entries in /proc/pid/fd: sockets, files, pipes.</param>
/// <param name="Threads">Threads in the process.</param>
/// <param name="CpuTime">User + system CPU time so far.</param>
public readonly record struct ProcSample(long RssBytes, int OpenFds, int Threads, TimeSpan CpuTime)
{
    // USER_HZ: the unit of utime/stime in /proc/pid/stat; 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100;

    /// <summary>Reads process <paramref name="pid"/> now. Throws when it is gone.</summary>
    public static ProcSample Read(int pid)
    {
        long rssKiB = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rssKiB = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
            }
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);

        var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        return new ProcSample(rssKiB * 1024, fds, threads, TimeSpan.FromSeconds(ticks / ClockTicksPerSecond));
    }
}
