using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Sockets;

/// <summary>
/// The sockets transport's listener, in the shape Kestrel's transports have (<see cref="IConnectionListener"/>): a
/// BCL <see cref="Socket"/> accepting asynchronously, each accepted socket configured (TCP_NODELAY) and handed out as a
/// <see cref="SocketConnection"/>. A socket that fails to configure (a peer that already reset) costs that socket,
/// logged, not the accept; a failed accept (EMFILE) is thrown for the server's accept policy to count and wait out.
/// </summary>
internal sealed class SocketConnectionListener : IConnectionListener
{
    private readonly Socket _listener;
    private readonly ServerContext _context;
    private readonly PipeOptions _input;
    private readonly PipeOptions _output;
    private volatile bool _unbound;

    public SocketConnectionListener(ServerContext context)
    {
        _context = context;
        _input = PipeLimits.Input(context.Protocol);
        _output = PipeLimits.Output(context.Protocol);
        _listener = ListenSocket.Create(context.Options.EndPoint, context.Options.Backlog, context.Options.ReusePort);
        EndPoint = _listener.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (_unbound && ex is SocketException or ObjectDisposedException)
            {
                return null;
            }

            try
            {
                ListenSocket.Configure(socket);
                _context.Hooks?.AcceptedSocketConfigured?.Invoke(socket);
                return new SocketConnection(socket, _input, _output, _context.Hooks);
            }
            catch (Exception ex)
            {
                _context.Events.Report(ConnectionEvent.Failed, AcceptPolicy.PeerOf(socket), ex);
                socket.Dispose();
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => UnbindAsync();
}
