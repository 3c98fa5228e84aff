using System.Net.Sockets;
using EchoServers.Protocol.Session;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Connections;

/// <summary>
/// The shared <see cref="PipeSession"/> over one Kestrel-style transport connection, and how it ended, reported the
/// same way by the <c>kestrel</c> model and by <c>async</c> on the epoll transport: an idle connection is aborted (no
/// waiting for a peer that stopped reading to take the last replies), a protocol error logged, a reset counted, an
/// abort (the stop sequence, counted there) left alone, anything else counted as a failure.
/// </summary>
internal static class TransportSession
{
    public static async Task RunAsync(ServerContext context, PipeSession session, ConnectionContext connection, CancellationToken closeRequested)
    {
        try
        {
            var result = await session.RunAsync(connection.Transport, closeRequested);
            switch (result.Reason)
            {
                case SessionEndReason.IdleTimeout:
                    context.Events.Report(ConnectionEvent.IdleTimeout);
                    connection.Abort(new ConnectionAbortedException("idle timeout"));
                    break;
                case SessionEndReason.ProtocolError:
                    context.Events.ProtocolError(connection.RemoteEndPoint, result.Error!.Value);
                    break;
            }
        }
        catch (ConnectionResetException ex)
        {
            context.Events.Report(ConnectionEvent.Reset, connection.RemoteEndPoint, ex);
        }
        catch (ConnectionAbortedException)
        {
            // Aborted by the stop sequence (counted there) or after an idle timeout.
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            context.Events.Report(ConnectionEvent.Reset, connection.RemoteEndPoint, ex);
        }
        catch (Exception ex)
        {
            context.Events.Report(ConnectionEvent.Failed, connection.RemoteEndPoint, ex);
        }
    }
}
