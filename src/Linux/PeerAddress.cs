using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>The peer of a raw socket: for log lines (never on the hot path) and, parsed, for a connection's remote endpoint.</summary>
internal static unsafe class PeerAddress
{
    /// <summary>Room for any sockaddr (sizeof(struct sockaddr_storage)).</summary>
    private const int StorageSize = 128;

    /// <summary>The peer of <paramref name="fd"/> as text, or why it is unknown.</summary>
    public static string Of(int fd)
    {
        var storage = stackalloc byte[StorageSize];
        uint length = StorageSize;
        if (LibC.GetPeerName(fd, storage, &length) != 0)
        {
            return $"(unknown peer, errno {Marshal.GetLastPInvokeError()})";
        }

        var address = new ReadOnlySpan<byte>(storage, (int)Math.Min(length, StorageSize));
        return Parse(address)?.ToString() ?? $"(address family {Family(address)})";
    }

    /// <summary>The peer of <paramref name="fd"/>, or null when it has none (gone) or is not IP.</summary>
    public static IPEndPoint? EndPointOf(int fd)
    {
        var storage = stackalloc byte[StorageSize];
        uint length = StorageSize;
        return LibC.GetPeerName(fd, storage, &length) != 0
            ? null
            : Parse(new ReadOnlySpan<byte>(storage, (int)Math.Min(length, StorageSize)));
    }

    /// <summary>
    /// Reads a <c>sockaddr_in</c> or <c>sockaddr_in6</c> (family in host order, port in network order); null for
    /// another family or a truncated address.
    /// </summary>
    public static IPEndPoint? Parse(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 4)
        {
            return null;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return Family(sockaddr) switch
        {
            LinuxConstants.AfInet when sockaddr.Length >= 8 => new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port),
            LinuxConstants.AfInet6 when sockaddr.Length >= 28 =>
                new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), MemoryMarshal.Read<uint>(sockaddr[24..])), port),
            _ => null,
        };
    }

    private static ushort Family(ReadOnlySpan<byte> sockaddr) => MemoryMarshal.Read<ushort>(sockaddr);
}
