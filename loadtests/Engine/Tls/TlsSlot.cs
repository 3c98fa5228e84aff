using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// One connection of the TLS engine, and every connection that replaces it under churn: one task that takes the TCP
/// connection the connect phase handed over, adds the handshake (<see cref="TlsSlotOpener"/>), runs the load on it
/// (<see cref="TlsSession"/>), and with <c>--messages-per-connection</c>, <c>--connection-lifetime</c> or
/// <c>--reconnect</c> closes it and opens the next, one handshake per connection. The bookkeeping (sequence
/// numbers, timestamps, verification) is the epoll engine's <see cref="LoadConnection"/>.
/// </summary>
internal sealed class TlsSlot
{
    private readonly TlsRun _owner;
    private Socket? _socket;
    private SslStream? _stream;

    public TlsSlot(TlsRun owner, int index, TlsShard shard, int window, int carrySize, int writeSize)
    {
        _owner = owner;
        Shard = shard;
        Book = new LoadConnection(index, fd: -1, window, carrySize) { Dead = true };
        Session = new TlsSession(Book, shard, carrySize, writeSize);
    }

    /// <summary>Sequence numbers, timestamps and per-connection counts, shared with the epoll engine's accounting.</summary>
    public LoadConnection Book { get; }

    public TlsShard Shard { get; }

    /// <summary>The load on the current connection.</summary>
    public TlsSession Session { get; }

    /// <summary>Open model: a connection is up to take the pacer's next message.</summary>
    public bool AcceptsMessages => !Book.Dead;

    /// <summary>Open model: fewer messages in flight than its window holds.</summary>
    public bool HasRoom => Book.Outstanding < Book.Window;

    /// <summary>Its first connection was established (it counts in the connection totals and the fairness).</summary>
    public bool Opened { get; private set; }

    /// <summary>
    /// The slot's whole life: the handshake over the TCP connection the connect phase handed over (its connect began
    /// at <paramref name="connectStartTs"/>), the load, churn, close.
    /// </summary>
    public async Task RunAsync(Socket socket, long connectStartTs)
    {
        var token = _owner.Aborted;
        Book.ConnectStartTs = connectStartTs;
        if (!await TlsSlotOpener.OpenFirstAsync(this, _owner, socket, token))
        {
            return;
        }

        Opened = true;
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
            var end = await Session.RunAsync(run, _stream!, token);
            Account(run, end, Stopwatch.GetTimestamp());
            await CloseAsync(graceful: end is TlsEnd.Finished or TlsEnd.Planned);
            if (!run.Churn || end is TlsEnd.Finished or TlsEnd.Drained or TlsEnd.Aborted || token.IsCancellationRequested
                || !await TlsSlotOpener.OpenNextAsync(this, _owner, run, retry: end != TlsEnd.Planned, token))
            {
                return;
            }
        }
    }

    /// <summary>Open model, on the pacer's thread: the next message of this connection, due at <paramref name="due"/>.</summary>
    public void Queue(long due) => Session.Queue(due);

    /// <summary>
    /// Every 10 ms, from the run's scanner: times out the oldest outstanding reply, gives up at the drain deadline,
    /// ends idle connections once the load is over or their lifetime is, and wakes the writer of a connection that
    /// has nothing in flight (a ramp made it active, or the load just started).
    /// </summary>
    public void Scan(RunContext run, long now, int activeTarget)
    {
        if (!Session.Active)
        {
            return;
        }

        if (now >= run.DrainDeadlineTs)
        {
            Session.TryEnd(TlsEnd.Drained);
            return;
        }

        if (run.IsOpen && Book.NextSeq != Book.FirstUnstamped)
        {
            // Messages claimed and not written yet: the writer runs (a wake is never lost, this only makes sure).
            Session.Wake();
        }

        if (Book.Outstanding > 0)
        {
            var intended = Book.IntendedOf(Book.NextExpected);
            if (intended != 0 && now - intended > run.TimeoutTicks)
            {
                Session.TryEnd(TlsEnd.Timeout);
            }

            return;
        }

        if (Session.WriterBusy)
        {
            return;
        }

        if (now >= run.SendStopTs)
        {
            Session.TryEnd(TlsEnd.Finished);
        }
        else if (Book.RetireAtTs != 0 && now >= Book.RetireAtTs)
        {
            Session.TryEnd(TlsEnd.Planned);
        }
        else if (Book.Index < activeTarget)
        {
            Session.Wake();
        }
    }

    /// <summary>Takes an opened connection into the slot and records its handshake (and, after the first, its connect).</summary>
    public void Adopt(TlsOpened opened, long now, RunContext? run, bool initial)
    {
        _socket = opened.Socket;
        _stream = opened.Stream;
        Book.EstablishedTs = now;
        Book.Dead = false;
        var measured = run is not null && run.IsMeasured(now);
        lock (Shard.Gate)
        {
            Shard.Handshake.RecordValue(Measurement.Histograms.Clamp(RunContext.TicksToUs(opened.HandshakeTicks)));
            Shard.Handshakes++;
            if (measured)
            {
                Shard.MeasuredHandshakes++;
            }

            if (!initial)
            {
                Shard.Counters.Connects++;
                if (measured)
                {
                    Shard.Counters.MeasuredConnects++;
                }
            }
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
}
