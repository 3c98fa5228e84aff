using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// One connection of the TLS engine, and every connection that replaces it under churn: one task that opens it
/// (TCP connect, then the handshake), runs the closed model on it, and with <c>--messages-per-connection</c>,
/// <c>--connection-lifetime</c> or <c>--reconnect</c> closes it and opens the next, one handshake per connection.
/// While a connection is up its read loop is that task; the writes run beside it (woken by the replies, inline when
/// the write completes at once) so that a large pipeline can never deadlock against a server that is itself blocked
/// writing to us. The bookkeeping (sequence numbers, timestamps, verification) is the epoll engine's
/// <see cref="LoadConnection"/>.
/// </summary>
internal sealed partial class TlsSlot
{
    private readonly TlsRun _owner;
    private readonly byte[] _readBuffer;
    private readonly byte[] _writeBuffer;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        AllowSynchronousContinuations = true,
    });

    private Socket? _socket;
    private SslStream? _stream;
    private CancellationTokenSource? _session;
    private int _end;
    private int _writerBusy;

    public TlsSlot(TlsRun owner, int index, TlsShard shard, int window, int carrySize, int writeSize)
    {
        _owner = owner;
        Shard = shard;
        Book = new LoadConnection(index, fd: -1, window, carrySize) { Dead = true };

        // A TLS record carries at most 16 KiB of plaintext, so a read returns at most that much after the carry.
        _readBuffer = new byte[carrySize + (16 * 1024)];
        _writeBuffer = new byte[writeSize];
    }

    /// <summary>Sequence numbers, timestamps and per-connection counts, shared with the epoll engine's accounting.</summary>
    public LoadConnection Book { get; }

    public TlsShard Shard { get; }

    /// <summary>Open model: a connection is up to take the pacer's next message.</summary>
    public bool AcceptsMessages => !Book.Dead;

    /// <summary>Open model: fewer messages in flight than its window holds.</summary>
    public bool HasRoom => Book.Outstanding < Book.Window;

    /// <summary>Its first connection was established (it counts in the connection totals and the fairness).</summary>
    public bool Opened { get; private set; }

    /// <summary>The slot's whole life: first open, load, churn, close.</summary>
    public async Task RunAsync()
    {
        var token = _owner.Aborted;
        if (!await OpenFirstAsync(token))
        {
            return;
        }

        RunContext run;
        try
        {
            run = await _owner.Ready;
        }
        catch (OperationCanceledException)
        {
            await CloseAsync(graceful: false);
            return;
        }

        Book.FirstReplyFromTs = run.Immediate ? Book.ConnectStartTs : Math.Max(Book.ConnectStartTs, run.LoadStartTs);
        ChurnRules.ArmLifetime(run, Book, Book.EstablishedTs);
        if (run.IsMeasured(Book.EstablishedTs))
        {
            lock (Shard.Gate)
            {
                Shard.Counters.MeasuredConnects++;
            }
        }

        while (true)
        {
            var end = await SessionAsync(run, token);
            Account(run, end, Stopwatch.GetTimestamp());
            await CloseAsync(graceful: end is TlsEnd.Finished or TlsEnd.Planned);
            if (!run.Churn || end is TlsEnd.Finished or TlsEnd.Drained or TlsEnd.Aborted || token.IsCancellationRequested
                || !await OpenNextAsync(run, retry: end != TlsEnd.Planned, token))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every 10 ms, from the run's scanner: times out the oldest outstanding reply, gives up at the drain deadline,
    /// ends idle connections once the load is over or their lifetime is, and wakes the writer of a connection that
    /// has nothing in flight (a ramp made it active, or the load just started).
    /// </summary>
    public void Scan(RunContext run, long now, int activeTarget)
    {
        if (Volatile.Read(ref _session) is null)
        {
            return;
        }

        if (now >= run.DrainDeadlineTs)
        {
            TryEnd(TlsEnd.Drained);
            return;
        }

        if (run.IsOpen && Book.NextSeq != Book.FirstUnstamped)
        {
            // Messages claimed and not written yet: the writer runs (a wake is never lost, this only makes sure).
            Wake();
        }

        if (Book.Outstanding > 0)
        {
            var intended = Book.IntendedOf(Book.NextExpected);
            if (intended != 0 && now - intended > run.TimeoutTicks)
            {
                TryEnd(TlsEnd.Timeout);
            }

            return;
        }

        if (Volatile.Read(ref _writerBusy) != 0)
        {
            return;
        }

        if (now >= run.SendStopTs)
        {
            TryEnd(TlsEnd.Finished);
        }
        else if (Book.RetireAtTs != 0 && now >= Book.RetireAtTs)
        {
            TryEnd(TlsEnd.Planned);
        }
        else if (Book.Index < activeTarget)
        {
            Wake();
        }
    }

    /// <summary>Counts how the connection ended, as the epoll engine counts the same ends.</summary>
    private void Account(RunContext run, TlsEnd end, long now)
    {
        var outstanding = Book.Outstanding;
        var beforeAnyReply = run.Churn && Book.RepliesOnConnection == 0;
        lock (Shard.Gate)
        {
            var counters = Shard.Counters;
            switch (end)
            {
                case TlsEnd.Timeout: counters.Timeout += Math.Max(1, outstanding); break;
                case TlsEnd.Mismatch: counters.Mismatch += Math.Max(1, outstanding); break;
                case TlsEnd.Refused: counters.CountConnectFailure(ConnectFailure.Refused); break;
                case TlsEnd.Reset when beforeAnyReply: counters.CountConnectFailure(ConnectFailure.Reset); break;
                case TlsEnd.Reset: counters.Reset += Math.Max(1, outstanding); break;
                case TlsEnd.Eof: counters.Eof += now < run.SendStopTs ? Math.Max(1, outstanding) : outstanding; break;
                default: counters.Missing += outstanding; break;
            }
        }

        Book.Dead = true;
    }

    private async Task CloseAsync(bool graceful)
    {
        var stream = _stream;
        var socket = _socket;
        _stream = null;
        _socket = null;
        if (stream is null)
        {
            return;
        }

        if (graceful)
        {
            try
            {
                // close_notify before the FIN, as a well-behaved TLS client ends a connection.
                await stream.ShutdownAsync();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or NotSupportedException)
            {
                // Reset or already closed: the server sees the FIN or the reset instead.
            }
        }

        await stream.DisposeAsync();
        socket?.Dispose();
    }

    private void TryEnd(TlsEnd end)
    {
        if (Interlocked.CompareExchange(ref _end, (int)end, (int)TlsEnd.None) == (int)TlsEnd.None)
        {
            try
            {
                Volatile.Read(ref _session)?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session ended meanwhile.
            }
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);
}
