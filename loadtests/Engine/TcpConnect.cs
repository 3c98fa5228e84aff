using System.Net;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Load.Measurement;
using HdrHistogram;

namespace EchoServers.Load.Engine;

/// <summary>
/// The one way echo-load opens a TCP connection, whoever waits for it (the connect phase's thread, an I/O thread
/// under churn, the TLS engine before its handshake): <c>socket(SOCK_NONBLOCK)</c>, TCP_NODELAY, <c>bind</c> to the
/// source address with IP_BIND_ADDRESS_NO_PORT when spreading, <c>connect</c> → EINPROGRESS; completion is EPOLLOUT
/// and <c>SO_ERROR</c> (<see cref="Result"/>), the cause of a failure is a <see cref="ConnectFailure"/>, and an
/// established connect's latency goes into a histogram (<see cref="RecordEstablished"/>). Raw syscalls: no allocation
/// and no exception per connect; the sockaddrs are built once per run.
/// </summary>
internal static unsafe class TcpConnect
{
    private const int IpProtoIp = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>
    /// Starts a connect to <paramref name="target"/>; returns 0 (established or in progress: wait for EPOLLOUT) with
    /// <paramref name="fd"/> open, or the errno of the failure with <paramref name="fd"/> closed (-1).
    /// </summary>
    public static int Begin(RawSocketAddress target, RawSocketAddress? source, out int fd)
    {
        fd = LibC.Socket(target.Family, LinuxConstants.SockStream | LinuxConstants.SockNonBlock | LinuxConstants.SockCloexec, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        var one = 1;
        _ = LibC.SetSockOpt(fd, LinuxConstants.IpProtoTcp, LinuxConstants.TcpNoDelay, &one, sizeof(int));
        if (source is not null)
        {
            // Port chosen at connect, not at bind: connect may then reuse a TIME_WAIT port (tcp_tw_reuse) and share
            // ports across destinations, where bind(port 0) would need a port free of every TIME_WAIT, a search that
            // also slows to a crawl past ~10,000 sockets.
            _ = LibC.SetSockOpt(fd, IpProtoIp, IpBindAddressNoPort, &one, sizeof(int));
            fixed (byte* address = source.Bytes)
            {
                if (LibC.Bind(fd, address, (uint)source.Bytes.Length) != 0)
                {
                    return Abandon(ref fd, Marshal.GetLastPInvokeError());
                }
            }
        }

        int result;
        fixed (byte* address = target.Bytes)
        {
            result = LibC.Connect(fd, address, (uint)target.Bytes.Length);
        }

        var errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        return errno is 0 or Errno.EINPROGRESS ? 0 : Abandon(ref fd, errno);
    }

    /// <summary>The outcome of a connect epoll reported on (EPOLLOUT or EPOLLERR): 0 established, else its errno.</summary>
    public static int Result(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        return LibC.GetSockOpt(fd, LinuxConstants.SolSocket, LinuxConstants.SoError, &error, &length) != 0
            ? Marshal.GetLastPInvokeError()
            : error;
    }

    /// <summary>Records an established connect: <paramref name="startTs"/> → <paramref name="now"/>, in µs.</summary>
    public static void RecordEstablished(LongHistogram latency, long startTs, long now) =>
        latency.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - startTs)));

    /// <summary>One line saying why a connect to <paramref name="target"/> failed (the connect phase's first error).</summary>
    public static string Describe(IPEndPoint target, int errno)
    {
        var exception = Errno.ToSocketException(errno, "connect");
        return $"connect to {target} failed: {exception.SocketErrorCode} ({exception.Message})";
    }

    /// <summary>The line for a connect not established within <paramref name="timeout"/>.</summary>
    public static string DescribeTimeout(IPEndPoint target, TimeSpan timeout) =>
        $"connect to {target} timed out after {timeout.TotalMilliseconds:0} ms";

    /// <summary>Closes a descriptor this class opened (a failed or abandoned connect, a connection that ended).</summary>
    public static void Close(int fd) => _ = LibC.Close(fd);

    private static int Abandon(ref int fd, int errno)
    {
        _ = LibC.Close(fd);
        fd = -1;
        return errno;
    }
}
