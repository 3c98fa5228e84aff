using System.Net.Security;
using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Connections.Tls;

/// <summary>
/// Refuses a connection to a TLS server the way <see cref="ConnectionRefuser"/> does to a plain one, but readably: a
/// TLS client cannot read a plain-text <c>ERROR:</c> line, so the refusal completes the handshake first, then sends
/// the line (line framing), close_notify and FIN. That costs a handshake, so at most <see cref="Slots"/> refusals run
/// at once, off the accept loop, each bounded by the handshake deadline; beyond them a connection gets a bare FIN (its
/// handshake fails at the client), which is what a flood of connections over the limit should cost the server.
/// </summary>
internal sealed class TlsRefuser(ServerTls tls, FramingKind framing) : IDisposable
{
    /// <summary>Refusals told over TLS at once; more are closed without a word.</summary>
    public const int Slots = 4;

    private readonly CancellationTokenSource _stopped = new();
    private int _inFlight;

    /// <summary>Refuses <paramref name="socket"/> with <paramref name="errorLine"/> (line framing only) and closes it; never throws, never blocks.</summary>
    public void Refuse(Socket socket, byte[] errorLine)
    {
        if (Interlocked.Increment(ref _inFlight) > Slots || _stopped.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _inFlight);
            ConnectionRefuser.Refuse(socket, FramingKind.Raw, errorLine: []);
            return;
        }

        _ = RefuseAsync(socket, errorLine);
    }

    /// <summary>
    /// Refuses a transport connection (the async model, any transport) the same way: over TLS while a slot is free,
    /// else closed without a word; bounded by the handshake deadline; never throws.
    /// </summary>
    public async Task RefuseAsync(ConnectionContext connection, byte[] errorLine, CancellationToken closing)
    {
        if (Interlocked.Increment(ref _inFlight) > Slots || _stopped.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _inFlight);
            await connection.DisposeAsync();
            return;
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token, closing);
            deadline.CancelAfter(tls.HandshakeTimeout);
            var (secured, _) = await TlsConnection.OpenAsync(tls, connection, deadline.Token);
            if (secured is null)
            {
                connection.Abort(new ConnectionAbortedException("refused"));
                await connection.DisposeAsync();
                return;
            }

            if (framing == FramingKind.Line)
            {
                await secured.Transport.Output.WriteAsync(errorLine, deadline.Token);
            }

            // close_notify, FIN, then the transport's bounded linger; a peer that reads nothing is reset at the deadline.
            using (deadline.Token.UnsafeRegister(static state => ((ConnectionContext)state!).Abort(new ConnectionAbortedException("refusal deadline")), connection))
            {
                await secured.DisposeAsync();
            }
        }
        catch (Exception ex) when (ServerTls.IsHandshakeFailure(ex) || ex is ConnectionAbortedException or ConnectionResetException)
        {
            // The peer went away or stalled: it was being refused anyway.
            await connection.DisposeAsync();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Stops the refusals in flight (their sockets are closed).</summary>
    public void Dispose() => _stopped.Cancel();

    private async Task RefuseAsync(Socket socket, byte[] errorLine)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
            deadline.CancelAfter(tls.HandshakeTimeout);
            await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await stream.AuthenticateAsServerAsync(tls.AuthenticationOptions, deadline.Token);
            tls.Completed();
            if (framing == FramingKind.Line)
            {
                await stream.WriteAsync(errorLine, deadline.Token);
            }

            await stream.ShutdownAsync();
            socket.Shutdown(SocketShutdown.Send);

            // Like LingeringClose: closing with unread input would reset the connection, and the reset can overtake the line.
            deadline.CancelAfter(LingeringClose.MaxTime);
            var scratch = new byte[4096];
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, deadline.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ServerTls.IsHandshakeFailure(ex))
        {
            // The peer went away or stalled: it was being refused anyway.
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
