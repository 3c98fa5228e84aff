using System.Globalization;
using EchoServers.Servers.Connections.Admission;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>
/// Keeps --max-connections under the process's open-file limit. The .NET runtime itself needs descriptors now and
/// then (a new thread pool thread, /proc reads for the GC's memory load): a server that lets connections take the
/// last of them is killed by the runtime ("Out of memory."), not refused by its own accept loop. So connections get
/// the limit minus a reserve, and the excess is refused with the --max-connections reason instead.
/// </summary>
internal static class DescriptorBudget
{
    /// <summary>
    /// Descriptors left to the runtime, logging and listeners (a tenth of the limit, at least 200: Kestrel alone holds
    /// ~140 at rest), plus the admission gate's refusal slots: each holds an over-limit client's descriptor while its
    /// refusal lingers, on top of the connections it admits. Without them, 600 clients against kestrel under
    /// <c>ulimit -n 400</c> took the runtime's last descriptors and the process died ("Out of memory.").
    /// </summary>
    public static int Reserve(long limit) => (int)Math.Max(200, limit / 10) + AdmissionGate.RefusalSlots;

    /// <summary>The soft RLIMIT_NOFILE from /proc/self/limits; null when unknown or unlimited (not Linux).</summary>
    public static long? OpenFileLimit()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }

        return null;
    }

    /// <summary><paramref name="maxConnections"/>, lowered to what <paramref name="limit"/> descriptors can hold with the reserve kept.</summary>
    public static int Clamp(int maxConnections, long? limit) =>
        limit is { } n ? (int)Math.Max(1, Math.Min(maxConnections, n - Reserve(n))) : maxConnections;
}
