using System.Diagnostics;
using EchoServers.Load.Measurement;

namespace EchoServers.Load.Engine.Tls;

/// <summary>Opening the slot's connections: the first in the connect phase, the next ones under churn, and their accounting.</summary>
internal sealed partial class TlsSlot
{
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

                    await Task.Delay(TimeSpan.FromSeconds(ChurnRules.NextBackoffTicks(run, Book) / (double)Stopwatch.Frequency), token);
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

                ChurnRules.ArmLifetime(run, Book, Book.EstablishedTs);
                return true;
            }
            catch (TlsOpenFailure failure)
            {
                CountHandshakeFailure(failure);
                lock (Shard.Gate)
                {
                    Shard.Counters.CountConnectFailure(failure.Cause);
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
}
