using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// What the threads and pool models share: blocking accepts on dedicated threads (by default one accept loop), the
/// connection limit, and the stop sequence (stop accepting → drain → ask to close → abort). Subclasses decide which
/// thread serves an accepted socket, and may accept on several threads (<see cref="StartAccepting"/>).
/// </summary>
internal abstract class BlockingServer : IEchoServer
{
    private readonly AcceptPolicy _accept;
    private readonly Action<Socket> _dispatch;
    private readonly TaskCompletionSource _acceptingDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private volatile bool _stopping;
    private int _stopped;

    // Threads inside AcceptOne: the stop waits until none is left, so no connection is admitted after it.
    private int _accepting;

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
        StartAccepting();
        return Task.CompletedTask;
    }

    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping = true;

        // Closing the listener wakes every blocked Accept.
        _listener?.Dispose();
        if (_listener is not null)
        {
            // Full fence: the count is read after _stopping is written (AcceptOne does the reverse).
            if (Interlocked.CompareExchange(ref _accepting, 0, 0) == 0)
            {
                _acceptingDone.TrySetResult();
            }

            // Bounded: a stuck accept thread (it is a background thread) must not hang the stop.
            await Task.WhenAny(_acceptingDone.Task, Task.Delay(ServerContext.CloseGrace, cancellationToken));
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

    /// <summary>Starts the thread(s) that accept: by default one accept loop that hands every socket to <see cref="Dispatch"/>.</summary>
    protected virtual void StartAccepting()
    {
        var thread = new Thread(AcceptLoop) { IsBackground = true, Name = "echo-accept" };
        thread.Start();
    }

    /// <summary>Called before accepting starts (the pool starts its workers).</summary>
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

    /// <summary>
    /// Serves <paramref name="socket"/> on the calling (dedicated) thread until it closes; releases its slot.
    /// <paramref name="replySent"/>, if given, runs right after every reply (it must not throw).
    /// </summary>
    protected void Serve(Socket socket, Action? replySent = null)
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
                connection.Run(replySent);
            }
        }
        finally
        {
            Context.Release(Connections, connection, opened);
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

    /// <summary>
    /// Blocks until the next connection is accepted, then configures it, refuses it over the limit, or hands it,
    /// holding a limiter slot, to <paramref name="dispatch"/>. Returns false once the server stops; a failed accept
    /// (EMFILE) is counted, waited out and retried. Safe to call from several threads at once.
    /// </summary>
    protected bool AcceptOne(Action<Socket> dispatch)
    {
        Interlocked.Increment(ref _accepting);
        try
        {
            while (!_stopping)
            {
                try
                {
                    var socket = _listener!.Accept();
                    _accept.Handle(socket, dispatch);
                    return true;
                }
                catch (Exception ex) when (AcceptPolicy.IsStopped(ex, _stopping))
                {
                    return false;
                }
                catch (SocketException ex)
                {
                    _accept.AcceptFailed(ex);
                    Thread.Sleep(AcceptPolicy.RetryDelay);
                }
            }

            return false;
        }
        finally
        {
            if (Interlocked.Decrement(ref _accepting) == 0 && _stopping)
            {
                _acceptingDone.TrySetResult();
            }
        }
    }

    private void AcceptLoop()
    {
        while (AcceptOne(_dispatch))
        {
        }
    }
}
