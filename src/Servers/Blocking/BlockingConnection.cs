using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// One accepted socket served by a blocking session on whichever dedicated thread runs <see cref="Open"/> (the TLS
/// handshake, under <c>--tls</c>) and <see cref="Run"/>.
/// </summary>
internal sealed class BlockingConnection
{
    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly BlockingSession _session;
    private readonly EndPoint? _peer;
    private readonly ReceiveDeadline _deadline;
    private readonly SendDeadline _sendDeadline;
    private SslStream? _tls;
    private string? _handshakeFailure;
    private volatile bool _aborted;

    public BlockingConnection(Socket socket, ServerContext context, BlockingSession session)
    {
        _socket = socket;
        _context = context;
        _session = session;
        _peer = socket.RemoteEndPoint;
        _deadline = new ReceiveDeadline(socket, context.Options.Protocol.IdleTimeout, context.Options.Protocol.FrameTimeout);
        _sendDeadline = new SendDeadline(socket, context.Options.SendTimeout);
    }

    /// <summary>
    /// Under <c>--tls</c>, the handshake, bounded by its deadline; true when the connection is ready to serve. False
    /// when the handshake failed (socket closed; see <see cref="ReportHandshakeFailure"/>). Never throws.
    /// </summary>
    public bool Open()
    {
        if (_context.Tls is not { } tls)
        {
            return true;
        }

        (_tls, _handshakeFailure) = tls.Authenticate(_socket, new DeadlineStream(_deadline, _sendDeadline));
        if (_tls is null)
        {
            _socket.Dispose();
            return false;
        }

        return true;
    }

    /// <summary>After a failed <see cref="Open"/>, once the slot is given back: counts and logs the handshake failure.</summary>
    public void ReportHandshakeFailure()
    {
        if (_handshakeFailure is { } reason)
        {
            _context.Tls!.Failed(_peer, reason);
        }
    }

    /// <summary>Serves the connection to its end; never throws (nor may <paramref name="replySent"/>).</summary>
    public void Run(Action? replySent = null)
    {
        try
        {
            var result = _session.Run(_socket, _deadline, _sendDeadline, _tls, replySent);
            switch (result.Reason)
            {
                case SessionEndReason.ProtocolError:
                    _context.Events.ProtocolError(_peer, result.Error!.Value);
                    if (_tls is not null)
                    {
                        // The error line is sent; close_notify tells the peer it is the last word, not a truncation.
                        TlsIo.ShutdownSend(_socket, _tls);
                    }

                    LingeringClose.Drain(_socket);
                    break;
                case SessionEndReason.IdleTimeout:
                    _context.Events.Report(ConnectionEvent.IdleTimeout);
                    break;
            }
        }
        catch (Exception ex)
        {
            if (ConnectionEnds.Report(_context.Events, _peer, ex, _sendDeadline.TimedOut, _aborted, _tls is not null) == ConnectionEnd.SendTimeout)
            {
                // The peer took no bytes for the send timeout: abort (a reset; a FIN would wait behind the unsent replies).
                Reset();
            }
        }
        finally
        {
            _tls?.Dispose();
            _socket.Dispose();
        }
    }

    private void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed under us (stop): the close below is all there is to do.
        }
    }

    /// <summary>Asks for a graceful end: the pending Receive returns 0, the session answers what it read and sends FIN.</summary>
    public void RequestClose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closing.
        }
    }

    /// <summary>Closes the socket under the session (wakes a Send blocked on a peer that never reads).</summary>
    public void Abort()
    {
        _aborted = true;
        _socket.Dispose();
    }
}
