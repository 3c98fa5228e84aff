using System.Globalization;

namespace EchoServers.Linux;

/// <summary>
/// One reading of a process from /proc: CPU time (utime + stime of every thread), resident memory, threads and,
/// when asked, open descriptors. The bench takes server CPU per message from two of these around the measured
/// window (the least noisy figure of a run: it does not depend on how the scheduler shared the cores); the
/// reliability tests compare them over a soak (flat memory and handles), at scale (memory per connection) and under
/// fd exhaustion (CPU time barely moves: no accept-loop spin).
/// </summary>
/// <param name="RssBytes">Resident memory (VmRSS).</param>
/// <param name="Threads">Threads in the process.</param>
/// <param name="CpuTime">User + system CPU time so far, at clock-tick (10 ms) resolution.</param>
/// <param name="OpenFds">Entries in /proc/pid/fd (sockets, files, pipes), or −1 when not counted.</param>
internal readonly record struct ProcessSample(long RssBytes, int Threads, TimeSpan CpuTime, int OpenFds)
{
    /// <summary>USER_HZ, the unit of utime/stime in /proc/pid/stat: 100 on every Linux ABI .NET runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>
    /// Reads process <paramref name="pid"/> now; throws an <see cref="IOException"/> when it is gone.
    /// <paramref name="countFds"/> lists /proc/pid/fd, which costs a directory walk per descriptor: leave it off
    /// where the reading sits inside a measurement.
    /// </summary>
    public static ProcessSample Read(int pid, bool countFds = true)
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

        var fds = countFds ? Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count() : -1;
        return new ProcessSample(rssKiB * 1024, threads, TimeSpan.FromSeconds(ticks / ClockTicksPerSecond), fds);
    }

    /// <summary><see cref="Read"/>, or null when the process is gone or its /proc files cannot be read.</summary>
    public static ProcessSample? TryRead(int pid, bool countFds = true)
    {
        try
        {
            return Read(pid, countFds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
