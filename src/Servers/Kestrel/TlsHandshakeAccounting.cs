using System.Diagnostics;
using EchoServers.Servers.Connections.Tls;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Kestrel;

/// <summary>
/// Kestrel's TLS middleware (<c>UseHttps</c>) ends a failed handshake itself, logging it at Debug and never reaching
/// the connection handler. Two middlewares around it count handshakes the way the other models do: the inner one
/// marks a connection whose handshake completed, the outer one counts a connection that comes back unmarked as a
/// handshake failure (timed out when it took the whole deadline).
/// </summary>
internal static class TlsHandshakeAccounting
{
    private static readonly object Completed = new();

    /// <summary>Before <c>UseHttps</c>: counts the connections whose handshake did not complete.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> CountFailures(ServerTls tls, KestrelEchoState state) => next => async connection =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(connection);
        }
        finally
        {
            if (!connection.Items.ContainsKey(Completed) && !state.Stopping)
            {
                // Kestrel's deadline timer can fire a moment before this stopwatch reaches it (timer granularity):
                // a handshake that failed within the last 5 % of the deadline is taken as timed out.
                var timedOut = Stopwatch.GetElapsedTime(started) >= tls.HandshakeTimeout * 0.95;
                tls.Failed(connection.RemoteEndPoint, timedOut ? tls.Reason(null, timedOut: true) : "handshake failed (Kestrel's TLS middleware logs why at Debug)");
            }
        }
    };

    /// <summary>After <c>UseHttps</c>: the handshake completed.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> MarkCompleted(ServerTls tls) => next => connection =>
    {
        connection.Items[Completed] = Completed;
        tls.Completed();
        return next(connection);
    };
}
