using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Connections;

/// <summary>
/// The one answer to "how did this connection end?" when its session threw, for the blocking models (a socket or
/// an SslStream over it) and the pipe models (a Kestrel-style connection on either transport) alike, so that the
/// same end is counted as the same event whatever model served it.
/// </summary>
internal static class ConnectionEnds
{
    /// <summary>
    /// Classifies <paramref name="exception"/>. <paramref name="sendTimedOut"/>: the connection's send deadline had
    /// passed (a blocking send fails then; a pipe session instead returns normally after its flush is cancelled).
    /// <paramref name="aborted"/>: our side closed the socket under the session (the blocking models' stop; the pipe
    /// models see a <see cref="ConnectionAbortedException"/> instead). <paramref name="tls"/>: the session ran over
    /// TLS, where a broken stream is an <see cref="IOException"/> from the peer's side.
    /// </summary>
    public static ConnectionEnd Classify(Exception exception, bool sendTimedOut, bool aborted, bool tls) => exception switch
    {
        SocketException or IOException when sendTimedOut => ConnectionEnd.SendTimeout,
        ConnectionResetException => ConnectionEnd.Reset,
        SocketException socket when SocketErrors.IsConnectionReset(socket.SocketErrorCode) => ConnectionEnd.Reset,
        ConnectionAbortedException => ConnectionEnd.Aborted,
        SocketException or ObjectDisposedException or IOException when aborted => ConnectionEnd.Aborted,

        // A record that does not decrypt, an alert, a broken stream under it: the peer's doing, like a reset.
        IOException when tls => ConnectionEnd.Reset,
        _ => ConnectionEnd.Failed,
    };

    /// <summary>Classifies <paramref name="exception"/>, counts (and logs) the end as its event, and returns it.</summary>
    public static ConnectionEnd Report(ConnectionEventLog events, EndPoint? peer, Exception exception, bool sendTimedOut, bool aborted, bool tls)
    {
        var end = Classify(exception, sendTimedOut, aborted, tls);
        switch (end)
        {
            case ConnectionEnd.SendTimeout:
                events.Report(ConnectionEvent.SendTimeout);
                break;
            case ConnectionEnd.Reset:
                events.Report(ConnectionEvent.Reset, peer, exception);
                break;
            case ConnectionEnd.Failed:
                events.Report(ConnectionEvent.Failed, peer, exception);
                break;
        }

        return end;
    }
}
