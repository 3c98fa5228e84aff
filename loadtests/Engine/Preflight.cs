using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// Checks before the run that the machine can open the connections asked for: file descriptors (raising the soft
/// limit to the hard one if needed) and ephemeral ports per source address. Too few → a one-line error saying how
/// to fix it; beyond what one source address can hold on loopback → spread over 127.0.0.x.
/// </summary>
public static class Preflight
{
    /// <summary>Descriptors kept free for the runtime, files and the report.</summary>
    public const int SpareDescriptors = 64;

    /// <summary>Connections per loopback source address before spreading over more (leaves room for other programs).</summary>
    public const int PerSourceAddress = 28_000;

    /// <summary>Checks limits for <paramref name="connections"/> to <paramref name="target"/>; returns the source addresses to bind (empty = let the kernel choose).</summary>
    public static IReadOnlyList<IPAddress> Check(IPEndPoint target, int connections, List<string> warnings)
    {
        CheckDescriptors(connections, warnings);
        return SourceAddresses(target, connections, EphemeralPortCount(), warnings);
    }

    /// <summary>The source addresses to spread <paramref name="connections"/> over, given <paramref name="range"/> ephemeral ports (0 = unknown).</summary>
    public static IReadOnlyList<IPAddress> SourceAddresses(IPEndPoint target, int connections, int range, List<string> warnings)
    {
        var perSource = Math.Min(PerSourceAddress, range > 0 ? range - 1000 : PerSourceAddress);
        if (connections <= perSource)
        {
            return [];
        }

        if (target.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(target.Address))
        {
            var count = (connections + perSource - 1) / perSource;
            if (count > 250)
            {
                throw new LoadSetupException($"{connections} connections need {count} source addresses; at most 250 (127.0.0.1-250) are used");
            }

            warnings.Add($"{connections} connections exceed {perSource} per source address: spreading over 127.0.0.1-127.0.0.{count}");
            return [.. Enumerable.Range(1, count).Select(i => new IPAddress(new byte[] { 127, 0, 0, (byte)i }))];
        }

        throw new LoadSetupException(
            $"{connections} connections to one address need more than the {range} ephemeral ports available; widen net.ipv4.ip_local_port_range or use a 127.x target");
    }

    private static void CheckDescriptors(int connections, List<string> warnings)
    {
        if (!OperatingSystem.IsLinux() || !FileLimit.TryGet(out var soft, out var hard))
        {
            return;
        }

        var needed = (ulong)(connections + SpareDescriptors);
        if (soft >= needed)
        {
            return;
        }

        if (hard >= needed && FileLimit.TrySet(Math.Min(hard, Math.Max(needed, soft)), hard))
        {
            warnings.Add($"raised the open-file soft limit from {soft} to {Math.Min(hard, Math.Max(needed, soft))} for {connections} connections");
            return;
        }

        throw new LoadSetupException(
            $"{connections} connections need {needed} file descriptors but the limit is {soft} (hard {hard}); run 'ulimit -n {needed}' (as root if above the hard limit) and retry");
    }

    /// <summary>How long a closed connection's port stays in TIME_WAIT on Linux (TCP_TIMEWAIT_LEN, not tunable).</summary>
    public const int TimeWaitSeconds = 60;

    /// <summary>
    /// Churn: what limits the connect rate. The side that closes first keeps the port in TIME_WAIT for 60 s; churn
    /// closes from the client, so without port reuse at most (ephemeral ports × source addresses) ÷ 60 s connects per
    /// second are possible. With <c>net.ipv4.tcp_tw_reuse</c> 1 (or 2, the default, on loopback) and TCP timestamps
    /// a new connect reuses a TIME_WAIT port, and the server's accept rate is the limit.
    /// </summary>
    public static string ChurnLimit(IPEndPoint target, int sourceAddresses) =>
        ChurnLimit(target, sourceAddresses, EphemeralPortCount(), ReadSysctl("/proc/sys/net/ipv4/tcp_tw_reuse"), ReadSysctl("/proc/sys/net/ipv4/tcp_timestamps"));

    /// <summary><see cref="ChurnLimit(IPEndPoint, int)"/> with the sysctls given (-1 = unknown).</summary>
    public static string ChurnLimit(IPEndPoint target, int sourceAddresses, int ports, int twReuse, int timestamps)
    {
        var sources = Math.Max(1, sourceAddresses);
        var ceiling = ports > 0 ? (long)ports * sources / TimeWaitSeconds : 0;
        var reuses = timestamps != 0 && (twReuse == 1 || (twReuse == 2 && IPAddress.IsLoopback(target.Address)));
        var portsText = ports > 0 ? $"{ports} ephemeral ports × {sources} source address(es) ÷ {TimeWaitSeconds} s TIME_WAIT = {ceiling:#,0} connects/s" : "ephemeral range unknown";
        return reuses
            ? $"churn: net.ipv4.tcp_tw_reuse={twReuse}, timestamps on: connects reuse TIME_WAIT ports, so the server's accept rate (and this generator's CPU) limit the connect rate, not the {portsText}"
            : $"churn: net.ipv4.tcp_tw_reuse={(twReuse < 0 ? "unknown" : twReuse.ToString(System.Globalization.CultureInfo.InvariantCulture))}: TIME_WAIT holds every closed port, so at most {portsText} can be sustained; beyond that connects fail with EADDRNOTAVAIL (out of ports)";
    }

    private static int ReadSysctl(string path)
    {
        try
        {
            return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    /// <summary>Ports in /proc/sys/net/ipv4/ip_local_port_range, or 0 when unknown.</summary>
    public static int EphemeralPortCount()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 ? int.Parse(parts[1]) - int.Parse(parts[0]) + 1 : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
