using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using EchoServers.Load.Measurement;

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
    private const int MaxBackoffShift = 6;

    private static ReadOnlySpan<byte> ErrorLinePrefix => "ERROR:"u8;

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
        Book = new LoadConnection(index, null, window, carrySize) { Dead = true };

        // A TLS record carries at most 16 KiB of plaintext, so a read returns at most that much after the carry.
        _readBuffer = new byte[carrySize + (16 * 1024)];
        _writeBuffer = new byte[writeSize];
    }

    /// <summary>Sequence numbers, timestamps and per-connection counts, shared with the epoll engine's accounting.</summary>
    public LoadConnection Book { get; }

    public TlsShard Shard { get; }

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
        ArmLifetime(run);
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

    /// <summary>Closed model: how many connections are active at <paramref name="now"/> (the profile's level).</summary>
    public static int TargetAt(RunContext run, long now) => now < run.LoadStartTs || now >= run.SendStopTs
        ? 0
        : (int)Math.Round(run.Profile.LevelAt(run.SecondsAt(now)));

    /// <summary>The first connection of the slot, in the connect phase: paced by --connect-rate, at most <see cref="TlsRun.MaxConcurrentOpens"/> at once.</summary>
    private async Task<bool> OpenFirstAsync(CancellationToken token)
    {
        var options = _owner.Options;
        try
        {
            if (Book.Index > 0)
            {
                await _owner.FirstSettled.WaitAsync(token);
            }

            if (options.ConnectRate > 0)
            {
                var due = _owner.ConnectPhaseStartTs + RunContext.SecondsToTicks(Book.Index / options.ConnectRate);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), token);
                }
            }

            await _owner.Opening.WaitAsync(token);
        }
        catch (OperationCanceledException)
        {
            _owner.OnNotOpened(countAsFailed: false);
            return false;
        }

        try
        {
            if (_owner.GiveUp)
            {
                _owner.OnNotOpened(countAsFailed: true);
                return false;
            }

            if (_owner.Context is { Immediate: true } context && Stopwatch.GetTimestamp() >= context.SendStopTs)
            {
                // Immediate start: the measured window closed before this connection's turn.
                _owner.OnNotOpened(countAsFailed: false);
                return false;
            }

            Book.ConnectStartTs = Stopwatch.GetTimestamp();
            var opened = await TlsOpener.OpenAsync(_owner.Trust, _owner.SourceFor(Book.Index), options.ConnectTimeout, token);
            var now = Stopwatch.GetTimestamp();
            Adopt(opened, now, _owner.Context, initial: true);
            Opened = true;
            _owner.OnEstablished(opened.Stream);
            return true;
        }
        catch (TlsOpenFailure failure)
        {
            CountHandshakeFailure(failure);
            _owner.OnFailed(failure);
            return false;
        }
        catch (OperationCanceledException)
        {
            _owner.OnNotOpened(countAsFailed: false);
            return false;
        }
        finally
        {
            _owner.Opening.Release();
        }
    }

    /// <summary>
    /// Churn: opens the slot's next connection: at once after a planned close, after the back-off (doubling per
    /// failure in a row) with <c>--reconnect</c> after a failure; false when the slot is done.
    /// </summary>
    private async Task<bool> OpenNextAsync(RunContext run, bool retry, CancellationToken token)
    {
        while (true)
        {
            try
            {
                if (retry)
                {
                    if (!run.Reconnect)
                    {
                        return false;
                    }

                    var shift = Math.Min(Book.ConsecutiveFailures, MaxBackoffShift);
                    Book.ConsecutiveFailures++;
                    await Task.Delay(TimeSpan.FromSeconds((run.BackoffTicks << shift) / (double)Stopwatch.Frequency), token);
                    if (Stopwatch.GetTimestamp() >= run.SendStopTs)
                    {
                        return false;
                    }

                    lock (Shard.Gate)
                    {
                        Shard.Counters.Reconnects++;
                    }
                }
                else if (Stopwatch.GetTimestamp() >= run.SendStopTs)
                {
                    return false;
                }

                Book.ResetForNewConnection();
                Book.ConnectStartTs = Stopwatch.GetTimestamp();
                await _owner.Opening.WaitAsync(token);
                try
                {
                    var opened = await TlsOpener.OpenAsync(_owner.Trust, _owner.SourceFor(Book.Index), run.Options.ConnectTimeout, token);
                    Adopt(opened, Stopwatch.GetTimestamp(), run, initial: false);
                }
                finally
                {
                    _owner.Opening.Release();
                }

                ArmLifetime(run);
                return true;
            }
            catch (TlsOpenFailure failure)
            {
                CountHandshakeFailure(failure);
                lock (Shard.Gate)
                {
                    CountConnectFailure(failure.Cause);
                }

                retry = true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Takes an opened connection into the slot and records its connect and handshake.</summary>
    private void Adopt(TlsOpened opened, long now, RunContext? run, bool initial)
    {
        _socket = opened.Socket;
        _stream = opened.Stream;
        Book.EstablishedTs = now;
        Book.Dead = false;
        var measured = run is not null && run.IsMeasured(now);
        lock (Shard.Gate)
        {
            Shard.ConnectLatency.RecordValue(Histograms.Clamp(RunContext.TicksToUs(opened.ConnectTicks)));
            Shard.Handshake.RecordValue(Histograms.Clamp(RunContext.TicksToUs(opened.HandshakeTicks)));
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

    private void ArmLifetime(RunContext run)
    {
        if (run.LifetimeTicks > 0)
        {
            Book.RetireAtTs = Math.Max(Book.EstablishedTs, run.LoadStartTs) + run.LifetimeTicks;
        }
    }

    private void CountHandshakeFailure(TlsOpenFailure failure)
    {
        if (failure.InHandshake)
        {
            lock (Shard.Gate)
            {
                Shard.HandshakeFailures++;
            }
        }
    }

    /// <summary>Counts a failed connect of this slot by cause (the caller holds the shard's lock).</summary>
    private void CountConnectFailure(ConnectFailure cause)
    {
        var counters = Shard.Counters;
        switch (cause)
        {
            case ConnectFailure.Refused: counters.ConnectRefused++; break;
            case ConnectFailure.Reset: counters.ConnectReset++; break;
            case ConnectFailure.Timeout: counters.ConnectTimeout++; break;
            case ConnectFailure.OutOfPorts: counters.ConnectOutOfPorts++; break;
            default: counters.ConnectOther++; break;
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
                case TlsEnd.Refused: CountConnectFailure(ConnectFailure.Refused); break;
                case TlsEnd.Reset when beforeAnyReply: CountConnectFailure(ConnectFailure.Reset); break;
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
