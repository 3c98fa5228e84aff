using System.Net;
using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// A sockaddr_in / sockaddr_in6 built once per run, so the I/O threads can connect (churn) with raw syscalls and
/// no allocation or exception per connect.
/// </summary>
internal sealed class RawSocketAddress
{
    private RawSocketAddress(byte[] bytes, int family)
    {
        Bytes = bytes;
        Family = family;
    }

    public byte[] Bytes { get; }

    /// <summary>AF_INET or AF_INET6.</summary>
    public int Family { get; }

    public static RawSocketAddress From(IPEndPoint endPoint)
    {
        var v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = new byte[v6 ? 28 : 16];
        var family = v6 ? LinuxConstants.AfInet6 : LinuxConstants.AfInet;
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 2), family);
        bytes[2] = (byte)(endPoint.Port >> 8);
        bytes[3] = (byte)endPoint.Port;
        endPoint.Address.TryWriteBytes(bytes.AsSpan(v6 ? 8 : 4), out _);
        if (v6)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(24, 4), (uint)endPoint.Address.ScopeId);
        }

        return new RawSocketAddress(bytes, family);
    }
}
