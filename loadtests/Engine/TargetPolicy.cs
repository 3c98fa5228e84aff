using System.Net;
using System.Net.Sockets;

namespace EchoServers.Load.Engine;

/// <summary>
/// Where load may be sent: loopback always; RFC 1918 and unique-local IPv6 (a local test network) only when asked.
/// A load generator pointed at someone else's machine is a denial-of-service tool, so everything else is refused.
/// </summary>
public static class TargetPolicy
{
    /// <summary>Parses <c>host:port</c> (IPv6 as <c>[::1]:port</c>; <c>localhost</c> means 127.0.0.1).</summary>
    public static bool TryParse(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = null!;
        var trimmed = text.Trim();
        if (trimmed.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = "127.0.0.1" + trimmed["localhost".Length..];
        }

        if (!IPEndPoint.TryParse(trimmed, out var parsed) || parsed.Port == 0)
        {
            error = $"--target '{text}' is not an address and port like 127.0.0.1:1688";
            return false;
        }

        endPoint = parsed;
        error = string.Empty;
        return true;
    }

    /// <summary>Null when <paramref name="address"/> may be loaded, else the one-line reason it may not.</summary>
    public static string? Refusal(IPAddress address, bool allowPrivateNetwork)
    {
        if (IPAddress.IsLoopback(address))
        {
            return null;
        }

        if (allowPrivateNetwork && IsPrivate(address))
        {
            return null;
        }

        return allowPrivateNetwork
            ? $"refusing to load {address}: only loopback (127.0.0.0/8, ::1) and private test networks (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed"
            : $"refusing to load {address}: only loopback (127.0.0.0/8, ::1) is allowed; add --allow-private-network for a local test network";
    }

    private static bool IsPrivate(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return (address.GetAddressBytes()[0] & 0xFE) == 0xFC;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168);
    }
}
