using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Connections.Admission;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Transport.Epoll;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Async;

/// <summary>
/// The <c>async</c> model on a Kestrel-style transport (<c>--transport epoll</c>): its own accept loop over the
/// transport's <see cref="IConnectionListener"/>, and the shared <see cref="PipeSession"/> over each connection's
/// pipes. The transport does what <see cref="SocketConnection"/> does by hand for the socket transport. As in the
/// kestrel model, the transport's accept waits behind an <see cref="AdmissionGate"/>: at the limit, clients wait in
/// the kernel backlog and only a few are accepted to be refused, so refusals lingering for their peer's FIN cannot
/// take the descriptors the runtime needs (it aborts the process when it finds none).
/// </summary>
internal sealed class AsyncListenerEchoServer : IEchoServer
{
    /// <summary>After the session ends, how long the last replies may take to leave when no idle timeout bounds it.</summary>
    private static readonly TimeSpan DefaultSendDrainTimeout = TimeSpan.FromSeconds(30);

    private readonly ServerContext _context;
    private readonly PipeSession _session;
    private readonly EpollTransportFactory _factory;
    private readonly AdmissionGate _gate;
    private readonly ActiveConnections<ConnectionContext> _connections = new();
    private readonly CancellationTokenSource _closing = new();
    private GatedConnectionListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _stopping;
    private int _stopped;

    public AsyncListenerEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
    {
        _context = new ServerContext(options, metrics, loggerFactory, "EchoServers.Async");
        _session = new PipeSession(options.Protocol, metrics);
        _factory = new EpollTransportFactory(EpollTransportOptions.For(options, loggerFactory.CreateLogger("EchoServers.Transport.Epoll")));
        _gate = new AdmissionGate(_context.Limiter.Max);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.EndPoint ?? throw new InvalidOperationException("not started");

    /// <summary>The transport's listener (tests).</summary>
    internal IConnectionListener? Listener => _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener = new GatedConnectionListener(await _factory.BindAsync(_context.Options.EndPoint, cancellationToken), _gate);
        }
        catch (AddressInUseException ex)
        {
            // The host reports a SocketException of this code as "address already in use", whatever the model.
            throw new SocketException((int)SocketError.AddressAlreadyInUse, ex.Message);
        }

        _acceptLoop = AcceptLoopAsync(_listener);
    }

    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (_listener is null || Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping = true;
        await _listener.UnbindAsync(cancellationToken);
        await _acceptLoop;

        await _connections.DrainAsync(
            drainTimeout,
            ServerContext.CloseGrace,
            requestClose: _closing.CancelAsync, // sessions stop reading, send the replies for what they read, then FIN
            abort: connection =>
            {
                _context.Events.Report(ConnectionEvent.AbortedOnStop);
                connection.Abort(new ConnectionAbortedException("server stopping"));
            },
            cancellationToken);
        await _listener.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        _closing.Dispose();
        _gate.Dispose();
        _context.Dispose();
    }

    private async Task AcceptLoopAsync(GatedConnectionListener listener)
    {
        while (!_stopping)
        {
            ConnectionContext? connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (SocketException ex) when (!_stopping)
            {
                _context.Events.Report(ConnectionEvent.AcceptFailed, null, ex);
                continue;
            }

            if (connection is null)
            {
                return;
            }

            if (!_context.Limiter.TryAcquire())
            {
                // The event log counts the refusal in the metrics too.
                _context.Events.Report(ConnectionEvent.RefusedLimit);
                _ = RefuseAsync(connection);
                continue;
            }

            _connections.Add(connection);

            // Off the accept loop: its first read may complete inline.
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.ServeAsync(state.Connection), (Server: this, Connection: connection), preferLocal: false);
        }
    }

    private async Task RefuseAsync(ConnectionContext connection)
    {
        if (_context.Protocol.Framing == FramingKind.Line)
        {
            // A fresh connection's output is empty: this short line goes out with the FIN.
            await connection.Transport.Output.WriteAsync(_context.RefusalLine);
        }

        await connection.DisposeAsync();
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        _context.Metrics.ConnectionOpened();
        try
        {
            await TransportSession.RunAsync(_context, _session, connection, _closing.Token);
        }
        finally
        {
            await CloseAsync(connection);

            // Slot first, metric next, tracking last: whoever sees the connection gone can reuse its slot.
            _context.Limiter.Release();
            _context.Metrics.ConnectionClosed();
            _connections.Remove(connection);
        }
    }

    /// <summary>Lets the last replies leave (bounded: a peer that does not read is reset), then the FIN.</summary>
    private async Task CloseAsync(ConnectionContext connection)
    {
        var drain = _context.Protocol.IdleTimeout > TimeSpan.Zero ? _context.Protocol.IdleTimeout : DefaultSendDrainTimeout;
        var closing = connection.DisposeAsync().AsTask();
        try
        {
            await closing.WaitAsync(drain);
        }
        catch (TimeoutException)
        {
            _context.Events.Report(ConnectionEvent.IdleTimeout);
            connection.Abort(new ConnectionAbortedException("the peer stopped reading"));
            await closing;
        }
    }
}
