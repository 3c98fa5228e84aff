using System.IO.Pipelines;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections.Tls;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Connections;

/// <summary>
/// The shared <see cref="PipeSession"/> over one Kestrel-style connection (any transport, with or without TLS), and
/// how it ended, reported the same way by the <c>async</c> and <c>kestrel</c> models: an idle connection or one whose
/// peer took no replies for the send timeout is aborted (no waiting for a peer that stopped reading to take the last
/// replies), a protocol error logged, a reset (or a broken TLS record) counted, an abort (the stop sequence, counted
/// there) left alone, anything else counted as a failure.
/// </summary>
internal static class TransportSession
{
    public static async Task RunAsync(ServerContext context, PipeSession session, ConnectionContext connection, CancellationToken closeRequested)
    {
        var output = new SendDeadlineWriter(connection.Transport.Output, context.Options.SendTimeout);
        try
        {
            var result = await RunWithoutContextAsync(session, new DuplexPipe(connection.Transport.Input, output), closeRequested);
            if (output.TimedOut)
            {
                context.Events.Report(ConnectionEvent.SendTimeout);
                connection.Abort(new ConnectionAbortedException("send timeout: the peer took no replies"));
                return;
            }

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
        catch (Exception ex)
        {
            // A send timeout ends the session normally (above), so it is never the exception's doing here; an abort
            // (the stop sequence, counted there, or a timeout) arrives as a ConnectionAbortedException.
            ConnectionEnds.Report(context.Events, connection.RemoteEndPoint, ex, sendTimedOut: false, aborted: false, tls: connection is TlsConnection);
        }
    }

    /// <summary>
    /// Starts the session with the execution context's flow suppressed: its continuations, resumed once per read, then
    /// run as they are instead of inside <see cref="ExecutionContext"/>.Run restoring the context that was current at
    /// the start (Kestrel's connection logging scope). Nothing in the session reads an AsyncLocal; the host's logging
    /// after it runs in the caller's context as before.
    /// </summary>
    private static Task<SessionResult> RunWithoutContextAsync(PipeSession session, IDuplexPipe transport, CancellationToken closeRequested)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return session.RunAsync(transport, closeRequested);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return session.RunAsync(transport, closeRequested);
        }
    }

    /// <summary>
    /// After the session: lets the last replies leave and closes (FIN, bounded linger), within the send timeout; a peer
    /// that takes no replies for that long is aborted and counted. Never throws.
    /// </summary>
    public static async Task CloseAsync(ServerContext context, ConnectionContext connection)
    {
        var closing = DisposeQuietlyAsync(connection);
        var timeout = context.Options.SendTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            await closing;
            return;
        }

        try
        {
            await closing.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            context.Events.Report(ConnectionEvent.SendTimeout);
            connection.Abort(new ConnectionAbortedException("send timeout: the peer took no replies"));
            await closing;
        }
    }

    private static async Task DisposeQuietlyAsync(ConnectionContext connection)
    {
        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionAbortedException or ConnectionResetException)
        {
            // Gone already: the close has nothing left to do.
        }
    }
}
