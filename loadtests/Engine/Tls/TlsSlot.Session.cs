using System.Diagnostics;

namespace EchoServers.Load.Engine.Tls;

/// <summary>One connection's load: the read loop (verify, record, wake the writer) and the writer (fill the pipeline).</summary>
internal sealed partial class TlsSlot
{
    /// <summary>Runs the closed model on the current connection until it ends; returns why.</summary>
    private async Task<TlsEnd> SessionAsync(RunContext run, CancellationToken token)
    {
        Volatile.Write(ref _end, (int)TlsEnd.None);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(token);
        Volatile.Write(ref _session, session);
        var writer = WriteLoopAsync(run, session.Token);
        TlsEnd end;
        try
        {
            Wake();
            end = await ReadLoopAsync(run, session.Token);
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

    private async Task<TlsEnd> ReadLoopAsync(RunContext run, CancellationToken token)
    {
        var stream = _stream!;
        var kept = 0;
        while (true)
        {
            var n = await stream.ReadAsync(_readBuffer.AsMemory(kept), token);
            var now = Stopwatch.GetTimestamp();
            if (n == 0)
            {
                // Closed before answering anything on this connection (churn): the server turned it away.
                return run.Churn && Book.RepliesOnConnection == 0 ? TlsEnd.Refused : TlsEnd.Eof;
            }

            var length = kept + n;
            if (ChurnRules.RefusedBeforeReply(run, Book, _readBuffer.AsSpan(0, length)))
            {
                return TlsEnd.Refused;
            }

            int consumed;
            bool broken;
            lock (Shard.Gate)
            {
                consumed = ReplyReader.Process(run, Book, Shard, _readBuffer.AsSpan(0, length), now, out broken);
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

            if (Book.Outstanding == 0 && Volatile.Read(ref _writerBusy) == 0)
            {
                if (run.Churn && ChurnRules.DoneWithConnection(run, Book, now))
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

    /// <summary>Waits to be woken (a reply came, the scanner saw an idle connection), then fills the pipeline.</summary>
    private async Task WriteLoopAsync(RunContext run, CancellationToken token)
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
                    await TopUpAsync(run, token);
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

    /// <summary>
    /// Open model, on the pacer's thread: claims the next message of this connection, due at <paramref name="due"/>,
    /// and wakes the writer; a full window counts it as overflow.
    /// </summary>
    public void Queue(RunContext run, long due)
    {
        lock (Shard.Gate)
        {
            if (Book.Outstanding >= Book.Window)
            {
                Shard.Counters.Overflow++;
                return;
            }

            Book.Claim(due, due);
            Shard.Counters.Sent++;
        }

        Wake();
    }

    /// <summary>Open model: writes every message the pacer claimed and no write carried yet, stamping when each went.</summary>
    private async Task WriteQueuedAsync(RunContext run, CancellationToken token)
    {
        var stream = _stream!;
        while (Volatile.Read(ref _end) == (int)TlsEnd.None)
        {
            var seq = Book.FirstUnstamped;
            var end = Book.NextSeq;
            if (seq == end)
            {
                return;
            }

            var length = 0;
            while (seq != end && length + run.MaxWire <= _writeBuffer.Length)
            {
                length += LoadConnection.WriteMessage(run.Framer, _writeBuffer.AsSpan(length), Book.Id, seq, run.Sizes.SizeOf(Book.Id, seq));
                seq++;
            }

            lock (Shard.Gate)
            {
                SendStamps.Record(run, Book, Shard, seq, Stopwatch.GetTimestamp());
            }

            await stream.WriteAsync(_writeBuffer.AsMemory(0, length), token);
        }
    }

    /// <summary>Closed model: claims messages up to the pipeline (and the churn share) and writes them, one TLS write per buffer.</summary>
    private async Task TopUpAsync(RunContext run, CancellationToken token)
    {
        if (run.IsOpen)
        {
            await WriteQueuedAsync(run, token);
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (now >= run.SendStopTs || Volatile.Read(ref _end) != (int)TlsEnd.None || Book.Index >= run.ActiveTargetAt(now))
        {
            return;
        }

        var stream = _stream!;
        var limit = Math.Min(run.Pipeline, Book.Window);
        var room = run.Churn ? ChurnRules.RoomOnConnection(run, Book, now) : int.MaxValue;
        var measured = run.IsMeasured(now);
        var length = 0;
        var sent = 0;
        while (Book.Outstanding < limit && room-- > 0)
        {
            var size = run.Sizes.SizeOf(Book.Id, Book.NextSeq);
            if (length + size + run.Overhead > _writeBuffer.Length)
            {
                Count(sent, measured);
                sent = 0;
                await stream.WriteAsync(_writeBuffer.AsMemory(0, length), token);
                length = 0;
            }

            Book.SentOnConnection++;
            var seq = Book.Claim(now, now);
            length += LoadConnection.WriteMessage(run.Framer, _writeBuffer.AsSpan(length), Book.Id, seq, size);
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
        lock (Shard.Gate)
        {
            Shard.Counters.Sent += sent;
            if (measured)
            {
                Shard.Counters.MeasuredSent += sent;
            }
        }
    }
}
