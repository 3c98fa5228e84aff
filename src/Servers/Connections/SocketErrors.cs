using System.Net.Sockets;

namespace EchoServers.Servers.Connections;

/// <summary>The socket errors that are a normal end of a connection, not a server fault.</summary>
internal static class SocketErrors
{
    /// <summary>The peer reset or vanished: ECONNRESET, EPIPE, ECONNABORTED and friends.</summary>
    public static bool IsConnectionReset(SocketError error) => error is
        SocketError.ConnectionReset or
        SocketError.ConnectionAborted or
        SocketError.Shutdown or
        SocketError.NetworkReset or
        SocketError.NotConnected or
        SocketError.HostUnreachable or
        SocketError.NetworkUnreachable;

    /// <summary>Our own side closed the socket under a pending call (stop, abort).</summary>
    public static bool IsOperationAborted(SocketError error) => error is
        SocketError.OperationAborted or
        SocketError.Interrupted or
        SocketError.NotSocket;

    /// <summary>A blocking call hit its SO_RCVTIMEO/SO_SNDTIMEO.</summary>
    public static bool IsTimeout(SocketError error) => error is SocketError.TimedOut or SocketError.WouldBlock;
}
