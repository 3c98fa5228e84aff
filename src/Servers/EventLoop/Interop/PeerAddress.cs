using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace EchoServers.Servers.EventLoop.Interop;

/// <summary>The peer of a raw socket, for log lines only (never on the hot path).</summary>
internal static unsafe class PeerAddress
{
    public static string Of(int fd)
    {
        var storage = stackalloc byte[128];
        uint length = 128;
        if (LibC.GetPeerName(fd, storage, &length) != 0)
        {
            return $"(unknown peer, errno {Marshal.GetLastPInvokeError()})";
        }

        var family = *(ushort*)storage;
        var port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(storage + 2, 2));
        return family switch
        {
            LinuxConstants.AfInet => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(storage + 4, 4)), port).ToString(),
            LinuxConstants.AfInet6 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(storage + 8, 16)), port).ToString(),
            _ => $"(address family {family})",
        };
    }
}
