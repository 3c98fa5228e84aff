using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EchoServers.Servers.Kestrel;

/// <summary>
/// Kestrel's side of the <c>kestrel</c> model: every connection runs the shared <see cref="PipeSession"/> over the
/// transport's pipes, with <see cref="IConnectionLifetimeNotificationFeature.ConnectionClosedRequested"/> as the close token (Kestrel
/// fires it on shutdown), so a stopping server gets the replies out and closes promptly.
/// </summary>
internal sealed class EchoConnectionHandler(KestrelEchoState state) : ConnectionHandler
{
    private static readonly byte[] StoppingLine = ErrorLine.For("server stopping");

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var context = state.Context;
        if (state.Stopping)
        {
            await RefuseAsync(connection, StoppingLine, ConnectionEvent.RefusedStopping);
            return;
        }

        if (!context.Limiter.TryAcquire())
        {
            await RefuseAsync(connection, context.RefusalLine, ConnectionEvent.RefusedLimit);
            return;
        }

        state.Connections.Add(connection);
        context.Metrics.ConnectionOpened();
        try
        {
            var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
            var result = await state.Session.RunAsync(connection.Transport, closeRequested);
            switch (result.Reason)
            {
                case SessionEndReason.IdleTimeout:
                    // Silent or not reading: drop it rather than let the transport wait to send the last replies.
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
            // Kestrel aborted it (shutdown after the grace period); counted by the server.
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            context.Events.Report(ConnectionEvent.Reset, connection.RemoteEndPoint, ex);
        }
        catch (Exception ex)
        {
            context.Events.Report(ConnectionEvent.Failed, connection.RemoteEndPoint, ex);
        }
        finally
        {
            // Slot first, metric next, tracking last: whoever sees the connection gone can reuse its slot.
            context.Limiter.Release();
            context.Metrics.ConnectionClosed();
            state.Connections.Remove(connection);
        }
    }

    private async Task RefuseAsync(ConnectionContext connection, byte[] errorLine, ConnectionEvent cause)
    {
        var context = state.Context;
        context.Events.Report(cause);
        if (context.Protocol.Framing == FramingKind.Line)
        {
            try
            {
                await connection.Transport.Output.WriteAsync(errorLine);
            }
            catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or SocketException)
            {
                // Already gone.
            }
        }

        await connection.Transport.Output.CompleteAsync();
    }
}
