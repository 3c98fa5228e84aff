using System.Net.Sockets;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>Why a connect failed, as the reports count it.</summary>
internal enum ConnectFailure
{
    /// <summary>ECONNREFUSED, or the server accepted and then said <c>ERROR:</c> or closed before any reply.</summary>
    Refused,

    /// <summary>Reset by the peer while connecting.</summary>
    Reset,

    /// <summary>Not established within <c>--connect-timeout</c>.</summary>
    Timeout,

    /// <summary>EADDRNOTAVAIL (or EADDRINUSE at bind): no local port left for this source address.</summary>
    OutOfPorts,

    /// <summary>Anything else (descriptors exhausted, unreachable …).</summary>
    Other,
}

/// <summary>Maps errno and <see cref="SocketError"/> values to <see cref="ConnectFailure"/>.</summary>
internal static class ConnectFailures
{
    public static ConnectFailure FromErrno(int errno) => errno switch
    {
        Errno.ECONNREFUSED => ConnectFailure.Refused,
        Errno.ECONNRESET or Errno.ECONNABORTED or Errno.EPIPE => ConnectFailure.Reset,
        Errno.ETIMEDOUT => ConnectFailure.Timeout,
        Errno.EADDRNOTAVAIL or Errno.EADDRINUSE => ConnectFailure.OutOfPorts,
        _ => ConnectFailure.Other,
    };

    public static ConnectFailure FromSocketError(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ConnectFailure.Refused,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => ConnectFailure.Reset,
        SocketError.TimedOut => ConnectFailure.Timeout,
        SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse => ConnectFailure.OutOfPorts,
        _ => ConnectFailure.Other,
    };
}
