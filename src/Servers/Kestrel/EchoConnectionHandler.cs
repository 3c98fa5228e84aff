using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
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
            await TransportSession.RunAsync(context, state.Session, connection, closeRequested);
        }
        finally
        {
            context.Release(state.Connections, connection, opened: true);
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
