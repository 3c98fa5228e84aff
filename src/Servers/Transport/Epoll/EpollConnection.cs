using System.IO.Pipelines;
using System.Net;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Epoll;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// One connection of the epoll transport, as Kestrel sees it: an input <see cref="EpollInput"/> and an output
/// <see cref="EpollOutput"/> over a raw non-blocking socket owned by one <see cref="EpollLoop"/>, with no pipe
/// between. Receiving (<c>EpollConnection.Receive.cs</c>) reads straight into the input's blocks and hands them to
/// the app's waiting read; the app's flush sends its replies in the same call (<see cref="EpollOutput"/>,
/// <c>EpollConnection.Send.cs</c>). Every socket call and every field below is the loop thread's, except the app's
/// ends and <see cref="Abort(ConnectionAbortedException)"/>/<see cref="DisposeAsync"/>, which go through the loop.
/// <para>
/// Closing: the descriptor is closed once the output is done (all sent and FIN, or failed) and the input is done
/// (peer FIN, error). If the peer has not closed when our FIN goes out, input keeps flowing to the app, or is
/// discarded once the app stopped reading, for at most <see cref="LingeringClose.MaxTime"/> and
/// <see cref="LingeringClose.MaxBytes"/>: closing with unread input would reset the connection under the last reply.
/// Abort closes at once with SO_LINGER 0 (RST).
/// </para>
/// <para>
/// Over 300 lines across its three files on purpose: it is Kestrel's <see cref="ConnectionContext"/> with the five
/// feature interfaces Kestrel asks of a transport's connection, and every field is the loop thread's state of one
/// socket; receiving and sending are each in their own file, and the buffering is <see cref="EpollInput"/>'s and
/// <see cref="EpollOutput"/>'s.
/// </para>
/// </summary>
internal sealed partial class EpollConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private static long _lastId;

    private readonly EpollLoop _loop;
    private readonly int _fd;
    private readonly EpollInput _input;
    private readonly EpollOutput _output;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closedToken = new();
    private readonly FeatureCollection _features = new();
    private ulong _token;
    private uint _interest;
    private bool _registered;
    private bool _receiveDone;
    private bool _sendDone;
    private bool _inputAbandoned;
    private bool _lingering;
    private bool _isClosed;
    private ConnectionAbortedException? _abortReason;
    private ConnectionAbortedException? _abortRequested;
    private IDictionary<object, object?>? _items;

    public EpollConnection(int fd, EpollLoop loop, EndPoint? localEndPoint, EndPoint? remoteEndPoint, EpollTransportOptions options)
    {
        _fd = fd;
        _loop = loop;
        _input = new EpollInput(this, options);
        _output = new EpollOutput(this, options);
        _resumeOnLoop = static state => ((EpollConnection)state!).OnInputResumed();
        Transport = new DuplexPipe(_input, _output);
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        ConnectionClosed = _closedToken.Token;
        ConnectionId = $"E{Interlocked.Increment(ref _lastId):X8}";
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Loop thread: whether the descriptor is closed.</summary>
    public bool IsClosed => _isClosed;

    /// <summary>Loop thread: when a lingering close gives up waiting for the peer's FIN (<see cref="LoopClock"/> ticks).</summary>
    public long LingerDeadline { get; private set; }

    /// <summary>Completes once the descriptor is closed.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Resets the connection (RST): from any thread, done on the loop.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Seen by the output before its next send or FIN, so nothing the app completes after Abort goes out gracefully.
        Interlocked.CompareExchange(ref _abortRequested, abortReason, null);
        _loop.Post(static state =>
        {
            var (connection, reason) = ((EpollConnection, ConnectionAbortedException))state!;
            connection.AbortOnLoop(reason);
        }, (this, abortReason));
    }

    /// <summary>
    /// Completes the app's input and output (what is written is still sent, then FIN) and waits for the descriptor to
    /// be closed. A peer that does not read keeps the send pending: abort such a connection to end it.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _output.CompleteAsync();
        await _closed.Task;
        await base.DisposeAsync();
    }

    /// <summary>Loop thread: registers the socket (EPOLLIN); replies go out as the app flushes them (<see cref="EpollOutput"/>).</summary>
    public void Start()
    {
        _token = _loop.AddConnection(this);
        var error = _loop.Control(LinuxConstants.EpollCtlAdd, _fd, LinuxConstants.EpollIn, _token);
        if (error != 0)
        {
            _sendDone = true;
            CloseOnLoop(Errno.ToSocketException(error, "epoll_ctl(ADD)"), abortive: true);
            return;
        }

        _registered = true;
        _interest = LinuxConstants.EpollIn;
    }

    /// <summary>Loop thread: what epoll reported for this socket.</summary>
    public void OnEvents(uint events)
    {
        const uint Failure = LinuxConstants.EpollErr | LinuxConstants.EpollHup;
        if ((events & (LinuxConstants.EpollOut | Failure)) != 0 && _waitingWritable)
        {
            // The output retries its send: it succeeds, or reports the error that came with EPOLLERR.
            OnWritable();
            if (_isClosed)
            {
                return;
            }
        }

        if ((events & (LinuxConstants.EpollIn | Failure)) != 0 && (_interest & LinuxConstants.EpollIn) != 0)
        {
            OnReadable();
            if (_isClosed)
            {
                return;
            }
        }

        if ((events & Failure) != 0 && _registered && (_interest & (LinuxConstants.EpollIn | LinuxConstants.EpollOut)) == 0)
        {
            // EPOLLERR/EPOLLHUP are reported whatever the interest: with nobody to act on them now (reading paused,
            // output idle), leave the set so level triggering does not spin; the next interest re-adds the socket.
            _loop.Control(LinuxConstants.EpollCtlDel, _fd, 0, _token);
            _registered = false;
        }
    }

    /// <summary>Loop thread: the lingering close waited long enough for the peer's FIN.</summary>
    public void LingerExpired() => CloseOnLoop(null, abortive: false);

    /// <summary>Loop thread: closes now with a reset.</summary>
    public void AbortOnLoop(ConnectionAbortedException reason)
    {
        if (_isClosed)
        {
            return;
        }

        _abortReason = reason;
        CloseOnLoop(reason, abortive: true);
    }

    /// <summary>Loop thread: epoll interest (EPOLLIN for reading, EPOLLOUT while a send waits); no call when unchanged.</summary>
    private void SetInterest(uint interest)
    {
        if (_isClosed || interest == _interest)
        {
            return;
        }

        _interest = interest;
        if (!_registered)
        {
            if (interest != 0)
            {
                _registered = _loop.Control(LinuxConstants.EpollCtlAdd, _fd, interest, _token) == 0;
            }

            return;
        }

        _loop.Control(LinuxConstants.EpollCtlMod, _fd, interest, _token);
    }

    /// <summary>Loop thread: closes the descriptor once both directions are done, or starts the lingering close.</summary>
    private void TryClose()
    {
        if (_isClosed || !_sendDone)
        {
            return;
        }

        if (_receiveDone)
        {
            CloseOnLoop(null, abortive: false);
            return;
        }

        if (!_lingering)
        {
            _lingering = true;
            LingerDeadline = LoopClock.Now + LoopLimits.LingerTicks;
            _loop.AddLingering(this);
            if (_inputAbandoned)
            {
                // Nobody reads it any more: drain it into the scratch buffer until the peer's FIN.
                SetInterest(_interest | LinuxConstants.EpollIn);
            }
        }
    }

    private unsafe void CloseOnLoop(Exception? inputError, bool abortive)
    {
        if (_isClosed)
        {
            return;
        }

        if (abortive)
        {
            // SO_LINGER {on, 0}: close sends RST and drops what is unsent.
            var linger = stackalloc int[2] { 1, 0 };
            LibC.SetSockOpt(_fd, LinuxConstants.SolSocket, LinuxConstants.SoLinger, linger, sizeof(int) * 2);
        }

        // Closing removes the socket from the epoll set (it has no other descriptor).
        LibC.Close(_fd);
        _isClosed = true;
        _loop.RemoveConnection(_token);
        _input.ReceiveEnded(inputError);
        // Unsent replies are dropped; the app's flushes complete (an abort's reason is thrown to it).
        _output.OnClosed(_abortReason);

        _closed.TrySetResult();
        ThreadPool.UnsafeQueueUserWorkItem(static state => ((CancellationTokenSource)state!).Cancel(), _closedToken, preferLocal: false);
    }

    string IConnectionIdFeature.ConnectionId { get => ConnectionId; set => ConnectionId = value; }

    IDuplexPipe IConnectionTransportFeature.Transport { get => Transport; set => Transport = value; }

    IDictionary<object, object?> IConnectionItemsFeature.Items { get => Items; set => Items = value; }

    CancellationToken IConnectionLifetimeFeature.ConnectionClosed { get => ConnectionClosed; set => ConnectionClosed = value; }

    void IConnectionLifetimeFeature.Abort() => Abort(new ConnectionAbortedException("aborted by the application"));

    EndPoint? IConnectionEndPointFeature.LocalEndPoint { get => LocalEndPoint; set => LocalEndPoint = value; }

    EndPoint? IConnectionEndPointFeature.RemoteEndPoint { get => RemoteEndPoint; set => RemoteEndPoint = value; }

    private sealed class ConnectionItems : Dictionary<object, object?>
    {
    }
}
