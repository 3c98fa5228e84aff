using System.Diagnostics;
using System.Net.Security;
using System.Threading.Channels;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The load on one TLS connection of a slot, until it ends: the read loop (verify and record every reply, wake the
/// writer) and, beside it, the writer (fill the pipeline in the closed model, write what the pacer claimed in the
/// open model), so that a large pipeline can never deadlock against a server that is itself blocked writing to us.
/// The first reason it ended wins (<see cref="TryEnd"/>), from either loop or from the run's scanner.
/// </summary>
internal sealed class TlsSession
{
    private readonly LoadConnection _book;
    private readonly TlsShard _shard;
    private readonly byte[] _readBuffer;
    private readonly byte[] _writeBuffer;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        AllowSynchronousContinuations = true,
    });

    private CancellationTokenSource? _session;
    private int _end;
    private int _writerBusy;

    public TlsSession(LoadConnection book, TlsShard shard, int carrySize, int writeSize)
    {
        _book = book;
        _shard = shard;

        // A TLS record carries at most 16 KiB of plaintext, so a read returns at most that much after the carry.
        _readBuffer = new byte[carrySize + (16 * 1024)];
        _writeBuffer = new byte[writeSize];
    }

    /// <summary>A connection is up and its loops run.</summary>
    public bool Active => Volatile.Read(ref _session) is not null;

    /// <summary>The writer is writing (its messages may not be counted outstanding yet).</summary>
    public bool WriterBusy => Volatile.Read(ref _writerBusy) != 0;

    /// <summary>Runs the load on <paramref name="stream"/> until it ends; returns why.</summary>
    public async Task<TlsEnd> RunAsync(RunContext run, SslStream stream, CancellationToken token)
    {
        Volatile.Write(ref _end, (int)TlsEnd.None);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(token);
        Volatile.Write(ref _session, session);
        var writer = WriteLoopAsync(run, stream, session.Token);
        TlsEnd end;
        try
        {
            Wake();
            end = await ReadLoopAsync(run, stream, session.Token);
        }
        catch (OperationCanceledException)
        {
            // Ended by the scanner (its reason is already set) or by the run's teardown.
            end = TlsEnd.Aborted;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            end = TlsEnd.Reset;
        }

        TryEnd(end);
        await session.CancelAsync();
        await writer;
        Volatile.Write(ref _session, null);
        return (TlsEnd)Volatile.Read(ref _end);
    }

    /// <summary>Ends the connection for <paramref name="end"/>, unless it already ended for another reason.</summary>
    public void TryEnd(TlsEnd end)
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

    /// <summary>Has the writer look for work (a reply came, the scanner saw an idle connection, the pacer claimed a message).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Open model, on the pacer's thread: claims the next message of this connection, due at <paramref name="due"/>,
    /// and wakes the writer; a full window counts it as overflow.
    /// </summary>
    public void Queue(long due)
    {
        lock (_shard.Gate)
        {
            if (_book.Outstanding >= _book.Window)
            {
                _shard.Counters.Overflow++;
                return;
            }

            _book.Claim(due, due);
            _shard.Counters.Sent++;
        }

        Wake();
    }

    private async Task<TlsEnd> ReadLoopAsync(RunContext run, SslStream stream, CancellationToken token)
    {
        var kept = 0;
        while (true)
        {
            var n = await stream.ReadAsync(_readBuffer.AsMemory(kept), token);
            var now = Stopwatch.GetTimestamp();
            if (n == 0)
            {
                // Closed before answering anything on this connection (churn): the server turned it away.
                return run.Churn && _book.RepliesOnConnection == 0 ? TlsEnd.Refused : TlsEnd.Eof;
            }

            var length = kept + n;
            if (ChurnRules.RefusedBeforeReply(run, _book, _readBuffer.AsSpan(0, length)))
            {
                return TlsEnd.Refused;
            }

            int consumed;
            bool broken;
            lock (_shard.Gate)
            {
                consumed = ReplyReader.Process(run, _book, _shard, _readBuffer.AsSpan(0, length), now, out broken);
            }

            if (broken)
            {
                return TlsEnd.Mismatch;
            }

            kept = length - consumed;
            if (kept > 0 && consumed > 0)
            {
                _readBuffer.AsSpan(consumed, kept).CopyTo(_readBuffer);
            }

            if (_book.Outstanding == 0 && !WriterBusy)
            {
                if (run.Churn && ChurnRules.DoneWithConnection(run, _book, now))
                {
                    return TlsEnd.Planned;
                }

                if (now >= run.SendStopTs)
                {
                    return TlsEnd.Finished;
                }
            }

            Wake();
        }
    }

    /// <summary>Waits to be woken, then fills the pipeline (closed model) or writes what was claimed (open model).</summary>
    private async Task WriteLoopAsync(RunContext run, SslStream stream, CancellationToken token)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(token))
            {
                while (_wake.Reader.TryRead(out _))
                {
                }

                Volatile.Write(ref _writerBusy, 1);
                try
                {
                    await (run.IsOpen ? WriteQueuedAsync(run, stream, token) : TopUpAsync(run, stream, token));
                }
                finally
                {
                    Volatile.Write(ref _writerBusy, 0);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            TryEnd(TlsEnd.Reset);
        }
    }

    /// <summary>Open model: writes every message the pacer claimed and no write carried yet, stamping when each went.</summary>
    private async Task WriteQueuedAsync(RunContext run, SslStream stream, CancellationToken token)
    {
        while (Volatile.Read(ref _end) == (int)TlsEnd.None)
        {
            var seq = _book.FirstUnstamped;
            var end = _book.NextSeq;
            if (seq == end)
            {
                return;
            }

            var length = 0;
            while (seq != end && length + run.MaxWire <= _writeBuffer.Length)
            {
                length += LoadConnection.WriteMessage(run.Framer, _writeBuffer.AsSpan(length), _book.Id, seq, run.Sizes.SizeOf(_book.Id, seq));
                seq++;
            }

            lock (_shard.Gate)
            {
                SendStamps.Record(run, _book, _shard, seq, Stopwatch.GetTimestamp());
            }

            await stream.WriteAsync(_writeBuffer.AsMemory(0, length), token);
        }
    }

    /// <summary>Closed model: claims messages up to the pipeline (and the churn share) and writes them, one TLS write per buffer.</summary>
    private async Task TopUpAsync(RunContext run, SslStream stream, CancellationToken token)
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= run.SendStopTs || Volatile.Read(ref _end) != (int)TlsEnd.None || _book.Index >= run.ActiveTargetAt(now))
        {
            return;
        }

        var limit = Math.Min(run.Pipeline, _book.Window);
        var room = run.Churn ? ChurnRules.RoomOnConnection(run, _book, now) : int.MaxValue;
        var measured = run.IsMeasured(now);
        var length = 0;
        var sent = 0;
        while (_book.Outstanding < limit && room-- > 0)
        {
            var size = run.Sizes.SizeOf(_book.Id, _book.NextSeq);
            if (length + size + run.Overhead > _writeBuffer.Length)
            {
                Count(sent, measured);
                sent = 0;
                await stream.WriteAsync(_writeBuffer.AsMemory(0, length), token);
                length = 0;
            }

            _book.SentOnConnection++;
            var seq = _book.Claim(now, now);
            length += LoadConnection.WriteMessage(run.Framer, _writeBuffer.AsSpan(length), _book.Id, seq, size);
            sent++;
        }

        if (length > 0)
        {
            Count(sent, measured);
            await stream.WriteAsync(_writeBuffer.AsMemory(0, length), token);
        }
    }

    private void Count(int sent, bool measured)
    {
        lock (_shard.Gate)
        {
            _shard.Counters.Sent += sent;
            if (measured)
            {
                _shard.Counters.MeasuredSent += sent;
            }
        }
    }
}
