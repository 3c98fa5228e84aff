using System.Globalization;

namespace EchoServers.Load.Bench;

/// <summary>
/// One reading of a process from /proc: CPU time (utime + stime of every thread, in clock ticks) and resident
/// memory. Server CPU per message comes from two of these around the measured window: the least noisy figure of a
/// run, because it does not depend on how the scheduler shared the cores.
/// </summary>
public readonly record struct ProcStat(long CpuTicks, long RssBytes, int Threads)
{
    /// <summary>USER_HZ, the unit of utime/stime: 100 on every Linux ABI .NET runs on.</summary>
    public const double TicksPerSecond = 100;

    public double CpuSeconds => CpuTicks / TicksPerSecond;

    /// <summary>Reads process <paramref name="pid"/>; null when it is gone.</summary>
    public static ProcStat? TryRead(int pid)
    {
        try
        {
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
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

            return new ProcStat(ticks, rssKiB * 1024, threads);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
