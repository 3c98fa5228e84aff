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
