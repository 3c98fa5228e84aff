using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// What the threads and pool models share: a blocking accept loop on a dedicated thread, the connection limit,
/// and the stop sequence (stop accepting → drain → ask to close → abort). Subclasses decide which thread serves
/// an accepted socket.
/// </summary>
internal abstract class BlockingServer : IEchoServer
{
    private readonly AcceptPolicy _accept;
    private readonly Action<Socket> _dispatch;
    private readonly TaskCompletionSource _acceptLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private volatile bool _stopping;
    private int _stopped;

    protected BlockingServer(ServerOptions options, EchoMetrics metrics, ILoggerFactory loggerFactory, string category)
    {
        Context = new ServerContext(options, metrics, loggerFactory, category);
        Session = new BlockingSession(options.Protocol, metrics);
        _accept = new AcceptPolicy(Context);
        _dispatch = Dispatch;
    }

    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("not started");

    protected ServerContext Context { get; }

    protected BlockingSession Session { get; }

    protected ActiveConnections<BlockingConnection> Connections { get; } = new();

    protected bool Stopping => _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = ListenSocket.Create(Context.Options.EndPoint, Context.Options.Backlog, Context.Options.ReusePort);
        _localEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        OnStarting();
        var thread = new Thread(AcceptLoop) { IsBackground = true, Name = "echo-accept" };
        thread.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping = true;

        // Closing the listener wakes the blocked Accept.
        _listener?.Dispose();
        if (_listener is not null)
        {
            // Bounded: a stuck accept thread (it is a background thread) must not hang the stop.
            await Task.WhenAny(_acceptLoopDone.Task, Task.Delay(ServerContext.CloseGrace, cancellationToken));
        }

        OnStopping();
        await Connections.DrainAsync(
            drainTimeout,
            ServerContext.CloseGrace,
            requestClose: () =>
            {
                foreach (var connection in Connections.Snapshot())
                {
                    connection.RequestClose();
                }

                return Task.CompletedTask;
            },
            abort: connection =>
            {
                Context.Events.Report(ConnectionEvent.AbortedOnStop);
                connection.Abort();
            },
            cancellationToken);

        await OnStoppedAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        Context.Dispose();
    }

    /// <summary>Called before the accept loop starts (the pool starts its workers).</summary>
    protected virtual void OnStarting()
    {
    }

    /// <summary>Called once accepting has stopped, before draining.</summary>
    protected virtual void OnStopping()
    {
    }

    /// <summary>Called after every connection ended.</summary>
    protected virtual Task OnStoppedAsync() => Task.CompletedTask;

    /// <summary>
    /// Hands an accepted socket (holding a limiter slot) to a thread. The subclass must end with <see cref="Serve"/>
    /// or <see cref="Refuse"/> for it.
    /// </summary>
    protected abstract void Dispatch(Socket socket);

    /// <summary>Serves <paramref name="socket"/> on the calling (dedicated) thread until it closes; releases its slot.</summary>
    protected void Serve(Socket socket)
    {
        var connection = new BlockingConnection(socket, Context, Session);
        Connections.Add(connection);
        var opened = false;
        try
        {
            // A connection counts as accepted once served: under --tls, after its handshake (which holds the slot).
            if (connection.Open())
            {
                Context.Metrics.ConnectionOpened();
                opened = true;
                connection.Run();
            }
        }
        finally
        {
            // Slot first, metric next, tracking last: whoever sees the connection gone can reuse its slot.
            Context.Limiter.Release();
            if (opened)
            {
                Context.Metrics.ConnectionClosed();
            }

            Connections.Remove(connection);
            if (!opened)
            {
                // Counted once the slot is free: whoever sees the failure can take the slot.
                connection.ReportHandshakeFailure();
            }
        }
    }

    /// <summary>Refuses <paramref name="socket"/> with a reason, counts it, and releases its slot.</summary>
    protected void Refuse(Socket socket, string reason, ConnectionEvent cause)
    {
        Context.Limiter.Release();
        Context.Events.Report(cause);
        Context.Refuse(socket, ErrorLine.For(reason));
    }

    private void AcceptLoop()
    {
        try
        {
            while (!_stopping)
            {
                Socket socket;
                try
                {
                    socket = _listener!.Accept();
                }
                catch (Exception ex) when (AcceptPolicy.IsStopped(ex, _stopping))
                {
                    return;
                }
                catch (SocketException ex)
                {
                    _accept.AcceptFailed(ex);
                    Thread.Sleep(AcceptPolicy.RetryDelay);
                    continue;
                }

                _accept.Handle(socket, _dispatch);
            }
        }
        finally
        {
            _acceptLoopDone.TrySetResult();
        }
    }

}
