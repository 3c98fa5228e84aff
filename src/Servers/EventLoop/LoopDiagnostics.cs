using System.Net;
using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Servers.EventLoop;

/// <summary>What the event loop's logs say about a raw descriptor and an errno (rare paths only: these allocate).</summary>
internal static class LoopDiagnostics
{
    /// <summary>The detail of a Debug line for a failed system call.</summary>
    public static string ErrnoText(int errno) => $"errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}";

    /// <summary>The peer of a raw socket as an endpoint, for the event log.</summary>
    public static IPEndPoint? PeerOf(int fd) => IPEndPoint.TryParse(PeerAddress.Of(fd), out var peer) ? peer : null;

    /// <summary>
    /// The errnos behind <c>SocketErrors.IsConnectionReset</c> (ECONNRESET, ECONNABORTED, EPIPE/ESHUTDOWN,
    /// ENETRESET, ENOTCONN, EHOSTUNREACH, ENETUNREACH), so a reset is counted as in the socket models.
    /// </summary>
    public static bool IsReset(int errno) => errno is
        Errno.ECONNRESET or Errno.ECONNABORTED or Errno.EPIPE or Errno.ESHUTDOWN or Errno.ENETRESET or Errno.ENOTCONN
        or Errno.EHOSTUNREACH or Errno.ENETUNREACH;
}
