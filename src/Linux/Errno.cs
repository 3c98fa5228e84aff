using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EchoServers.Linux;

/// <summary>
/// Linux errno values (generic numbering, same on x86-64 and arm64), the tests the loops make on them, and their
/// translation to <see cref="SocketError"/>. A Linux errno is not a <see cref="SocketError"/> (EADDRINUSE is 98,
/// <see cref="SocketError.AddressAlreadyInUse"/> is 10048): <c>new SocketException(errno)</c> gives a wrong
/// <see cref="SocketException.SocketErrorCode"/>, so errors leave this layer through <see cref="ToSocketException"/>.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int ENONET = 64;
    public const int EPROTO = 71;
    public const int ENOTSOCK = 88;
    public const int EDESTADDRREQ = 89;
    public const int EMSGSIZE = 90;
    public const int EPROTOTYPE = 91;
    public const int ENOPROTOOPT = 92;
    public const int EPROTONOSUPPORT = 93;
    public const int ESOCKTNOSUPPORT = 94;
    public const int EOPNOTSUPP = 95;
    public const int EPFNOSUPPORT = 96;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENETUNREACH = 101;
    public const int ENETRESET = 102;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int EISCONN = 106;
    public const int ENOTCONN = 107;
    public const int ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTDOWN = 112;
    public const int EHOSTUNREACH = 113;
    public const int EALREADY = 114;
    public const int EINPROGRESS = 115;
    public const int ECANCELED = 125;

    /// <summary>Errors that mean the peer went away: normal events for a server, logged at Debug only.</summary>
    public static bool IsPeerGone(int errno) => errno is ECONNRESET or EPIPE or ETIMEDOUT;

    /// <summary>Accept failures caused by running out of descriptors or kernel memory: back off instead of spinning.</summary>
    public static bool IsResourceExhaustion(int errno) => errno is EMFILE or ENFILE or ENOBUFS or ENOMEM;

    /// <summary>
    /// Accept failures that belong to one pending connection, not to the listener: accept4(2) hands the new socket's
    /// pending network error back as its own (ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
    /// EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH; EPERM when a firewall rule forbids it; ETIMEDOUT), and that connection is
    /// gone from the backlog. Retry at once, as Kestrel's socket listener does for every accept error but an abort.
    /// </summary>
    public static bool IsTransientAccept(int errno) => errno is EINTR or ECONNABORTED or EPROTO or ENETDOWN or ENOPROTOOPT
        or EHOSTDOWN or ENONET or EHOSTUNREACH or EOPNOTSUPP or ENETUNREACH or EPERM or ETIMEDOUT;

    /// <summary>Accept failures that mean the listening socket itself is gone or unusable: accepting ends.</summary>
    public static bool IsListenerGone(int errno) => errno is EBADF or EINVAL or ENOTSOCK or EFAULT;

    /// <summary>
    /// The <see cref="SocketError"/> the runtime's own sockets report for <paramref name="errno"/> (the same table as
    /// System.Net.Sockets' SocketErrorPal on Unix), so an error from this layer reads like one from a
    /// <see cref="Socket"/>; <see cref="SocketError.SocketError"/> for an errno with no socket meaning.
    /// </summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        0 => SocketError.Success,
        EACCES => SocketError.AccessDenied,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        EAGAIN => SocketError.WouldBlock,
        EALREADY => SocketError.AlreadyInProgress,
        EBADF => SocketError.InvalidArgument,
        ECANCELED => SocketError.OperationAborted,
        ECONNABORTED => SocketError.ConnectionAborted,
        ECONNREFUSED => SocketError.ConnectionRefused,
        ECONNRESET => SocketError.ConnectionReset,
        EDESTADDRREQ => SocketError.DestinationAddressRequired,
        EFAULT => SocketError.Fault,
        EHOSTDOWN => SocketError.HostDown,
        ENXIO => SocketError.HostNotFound,
        EHOSTUNREACH => SocketError.HostUnreachable,
        EINPROGRESS => SocketError.InProgress,
        EINTR => SocketError.Interrupted,
        EINVAL => SocketError.InvalidArgument,
        EISCONN => SocketError.IsConnected,
        EMFILE => SocketError.TooManyOpenSockets,
        EMSGSIZE => SocketError.MessageSize,
        ENETDOWN => SocketError.NetworkDown,
        ENETRESET => SocketError.NetworkReset,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ENFILE => SocketError.TooManyOpenSockets,
        ENOBUFS => SocketError.NoBufferSpaceAvailable,
        ENODATA => SocketError.NoData,
        ENOENT => SocketError.AddressNotAvailable,
        ENOPROTOOPT => SocketError.ProtocolOption,
        ENOTCONN => SocketError.NotConnected,
        ENOTSOCK => SocketError.NotSocket,
        EOPNOTSUPP => SocketError.OperationNotSupported,
        EPIPE => SocketError.Shutdown,
        EPFNOSUPPORT => SocketError.ProtocolFamilyNotSupported,
        EPROTONOSUPPORT => SocketError.ProtocolNotSupported,
        EPROTOTYPE => SocketError.ProtocolType,
        ESOCKTNOSUPPORT => SocketError.SocketNotSupported,
        ESHUTDOWN => SocketError.Disconnecting,
        ETIMEDOUT => SocketError.TimedOut,
        _ => SocketError.SocketError,
    };

    /// <summary>
    /// A <see cref="SocketException"/> for <paramref name="errno"/> returned by <paramref name="call"/>: its
    /// <see cref="SocketException.SocketErrorCode"/> is the mapped <see cref="SocketError"/>, its message the
    /// system's text for the errno, the call and the number (e.g. "epoll_ctl: Bad file descriptor (errno 9)").
    /// </summary>
    public static SocketException ToSocketException(int errno, string call) =>
        new((int)ToSocketError(errno), $"{call}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    /// <summary><see cref="ToSocketException"/> for the errno the last P/Invoke left behind.</summary>
    public static SocketException LastSocketException(string call) => ToSocketException(Marshal.GetLastPInvokeError(), call);
}
