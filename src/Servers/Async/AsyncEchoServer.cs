using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Connections.Admission;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Servers.Hosting;
using EchoServers.Servers.Transport.Epoll;
using EchoServers.Servers.Transport.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Async;

/// <summary>
/// The <c>async</c> model: its own accept loop over a transport's <see cref="IConnectionListener"/> (the BCL sockets
/// pump, or the project's epoll transport), and per connection the shared <see cref="PipeSession"/> over the
/// connection's pipes, with TLS as a layer between them under <c>--tls</c> (<see cref="TlsConnection"/>). No thread per
/// connection: a connection waiting for data costs a pending receive, not a thread. As in the kestrel model, the
/// transport's accept waits behind an <see cref="AdmissionGate"/>, so a flood of clients past the limit cannot take
/// the descriptors the runtime needs.
/// </summary>
internal sealed class AsyncEchoServer : IEchoServer
{
    private readonly ServerContext _context;
    private readonly PipeSession _session;
    private readonly AdmissionGate _gate;
    private readonly ActiveConnections<ConnectionContext> _connections = new();
    private readonly CancellationTokenSource _closing = new();
    private GatedConnectionListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _stopping;
    private int _stopped;

    public AsyncEchoServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory)
    {
        _context = new ServerContext(options, metrics, loggerFactory, "EchoServers.Async");
        _session = new PipeSession(options.Protocol, metrics);
        _gate = new AdmissionGate(_context.Limiter.Max);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.EndPoint ?? throw new InvalidOperationException("not started");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new GatedConnectionListener(await BindAsync(cancellationToken), _gate, _context);
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

    /// <summary>The transport's listener: epoll (Linux default) or the BCL sockets pump.</summary>
    private async Task<IConnectionListener> BindAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options;
        if (options.EffectiveTransport == TransportKind.Sockets)
        {
            return new SocketConnectionListener(_context);
        }

        var factory = new EpollTransportFactory(EpollTransportOptions.For(options, _context.LoggerFactory.CreateLogger("EchoServers.Transport.Epoll")));
        try
        {
            return await factory.BindAsync(options.EndPoint, cancellationToken);
        }
        catch (AddressInUseException ex)
        {
            // The host reports a SocketException of this code as "address already in use", whatever the model.
            throw new SocketException((int)SocketError.AddressAlreadyInUse, ex.Message);
        }
    }

    /// <summary>One accept loop and one accept-error policy for every transport.</summary>
    private async Task AcceptLoopAsync(GatedConnectionListener listener)
    {
        while (!_stopping)
        {
            ConnectionContext? connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception ex) when (AcceptPolicy.IsStopped(ex, _stopping))
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: the connection waits in the backlog; retrying at once would spin on the same error.
                _context.Events.Report(ConnectionEvent.AcceptFailed, null, ex);
                await Task.Delay(AcceptPolicy.RetryDelay);
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
        if (_context.Tls is { } tls)
        {
            await tls.Refusals.RefuseAsync(connection, _context.RefusalLine, _closing.Token);
            return;
        }

        if (_context.Protocol.Framing == FramingKind.Line)
        {
            // A fresh connection's output is empty: this short line goes out with the FIN.
            await connection.Transport.Output.WriteAsync(_context.RefusalLine);
        }

        await connection.DisposeAsync();
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        var served = connection;
        string? handshakeFailure = null;
        var opened = false;
        try
        {
            if (_context.Tls is { } tls)
            {
                // A connection counts as accepted once served: under --tls, after its handshake (which holds the slot).
                (var secured, handshakeFailure) = await TlsConnection.OpenAsync(tls, connection, _closing.Token);
                if (secured is null)
                {
                    return;
                }

                served = secured;
            }

            _context.Metrics.ConnectionOpened();
            opened = true;
            await TransportSession.RunAsync(_context, _session, served, _closing.Token);
        }
        finally
        {
            await TransportSession.CloseAsync(_context, served);
            _context.Release(_connections, connection, opened);
            if (handshakeFailure is not null)
            {
                // Counted once the slot is free: whoever sees the failure can take the slot.
                _context.Tls!.Failed(connection.RemoteEndPoint, handshakeFailure);
            }
        }
    }
}
