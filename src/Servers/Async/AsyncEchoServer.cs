using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Async;

/// <summary>
/// The <c>async</c> model: an async accept loop on a <see cref="Socket"/>; each connection is a
/// <see cref="SocketConnection"/> (socket ⇄ pipes pump + the shared session). No thread per connection: a
/// connection waiting for data costs a pending receive, not a thread.
/// </summary>
internal sealed class AsyncEchoServer : IEchoServer
{
    private readonly ServerContext _context;
    private readonly PipeSession _session;
    private readonly AcceptPolicy _accept;
    private readonly Action<Socket> _dispatch;
    private readonly ActiveConnections<SocketConnection> _connections = new();
    private readonly CancellationTokenSource _closing = new();
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _stopping;
    private int _stopped;

    public AsyncEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
    {
        _context = new ServerContext(options, metrics, loggerFactory, "EchoServers.Async");
        _session = new PipeSession(options.Protocol, metrics);
        _accept = new AcceptPolicy(_context);
        _dispatch = Dispatch;
    }

    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("not started");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = ListenSocket.Create(_context.Options.EndPoint, _context.Options.Backlog, _context.Options.ReusePort);
        _localEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync(_listener);
        return Task.CompletedTask;
    }

    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping = true;
        _listener?.Dispose();
        await _acceptLoop;

        await _connections.DrainAsync(
            drainTimeout,
            ServerContext.CloseGrace,
            requestClose: _closing.CancelAsync, // sessions stop reading, send the replies for what they read, then FIN
            abort: connection =>
            {
                _context.Events.Report(ConnectionEvent.AbortedOnStop);
                connection.Abort();
            },
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        _closing.Dispose();
        _context.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync();
            }
            catch (Exception ex) when (AcceptPolicy.IsStopped(ex, _stopping))
            {
                return;
            }
            catch (SocketException ex)
            {
                _accept.AcceptFailed(ex);
                await Task.Delay(AcceptPolicy.RetryDelay);
                continue;
            }

            _accept.Handle(socket, _dispatch);
        }
    }

    /// <summary>Starts serving an accepted socket that holds a limiter slot.</summary>
    private void Dispatch(Socket socket)
    {
        var connection = new SocketConnection(socket, _context, _session, _closing.Token);
        _connections.Add(connection);

        // Off the accept loop: with inline pipe scheduling a busy first read would otherwise run right here.
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.ServeAsync(state.Connection), (Server: this, Connection: connection), preferLocal: false);
    }

    private async Task ServeAsync(SocketConnection connection)
    {
        var opened = false;
        try
        {
            // A connection counts as accepted once served: under --tls, after its handshake (which holds the slot).
            if (await connection.OpenAsync())
            {
                _context.Metrics.ConnectionOpened();
                opened = true;
                await connection.RunAsync();
            }
        }
        finally
        {
            // Slot first, metric next, tracking last: whoever sees the connection gone can reuse its slot.
            _context.Limiter.Release();
            if (opened)
            {
                _context.Metrics.ConnectionClosed();
            }

            _connections.Remove(connection);
            if (!opened)
            {
                // Counted once the slot is free: whoever sees the failure can take the slot.
                connection.ReportHandshakeFailure();
            }
        }
    }

}
