using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;

namespace EchoServers.Servers.Blocking;

/// <summary>One accepted socket served by a blocking session on whichever dedicated thread runs <see cref="Run"/>.</summary>
internal sealed class BlockingConnection
{
    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly BlockingSession _session;
    private readonly EndPoint? _peer;
    private volatile bool _aborted;

    public BlockingConnection(Socket socket, ServerContext context, BlockingSession session)
    {
        _socket = socket;
        _context = context;
        _session = session;
        _peer = socket.RemoteEndPoint;
    }

    /// <summary>Serves the connection to its end; never throws (nor may <paramref name="replySent"/>).</summary>
    public void Run(Action? replySent = null)
    {
        try
        {
            var result = _session.Run(_socket, replySent);
            switch (result.Reason)
            {
                case SessionEndReason.ProtocolError:
                    _context.Events.ProtocolError(_peer, result.Error!.Value);
                    LingeringClose.Drain(_socket);
                    break;
                case SessionEndReason.IdleTimeout:
                    _context.Events.Report(ConnectionEvent.IdleTimeout);
                    break;
            }
        }
        catch (SocketException ex) when (SocketErrors.IsConnectionReset(ex.SocketErrorCode))
        {
            _context.Events.Report(ConnectionEvent.Reset, _peer, ex);
        }
        catch (Exception ex) when (_aborted && ex is SocketException or ObjectDisposedException)
        {
            // Aborted on stop; counted by the server.
        }
        catch (Exception ex)
        {
            _context.Events.Report(ConnectionEvent.Failed, _peer, ex);
        }
        finally
        {
            _socket.Dispose();
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
