using System.Diagnostics;
using System.Net.Sockets;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// Opening a slot's connections: the handshake on the TCP connection the connect phase handed over (its connect and
/// the bound on opens in progress are the phase's), and under churn the next connection — the TCP connect through
/// <see cref="TlsOpener.ConnectAsync"/> after the back-off, then its handshake — with their accounting.
/// </summary>
internal static class TlsSlotOpener
{
    /// <summary>
    /// The first connection of <paramref name="slot"/>: the handshake over <paramref name="socket"/>. Releases the
    /// open the connect phase took for it (<see cref="TlsRun.Opening"/>), however it ends.
    /// </summary>
    public static async Task<bool> OpenFirstAsync(TlsSlot slot, TlsRun owner, Socket socket, CancellationToken token)
    {
        try
        {
            var opened = await TlsOpener.HandshakeAsync(owner.Trust, socket, owner.Options.ConnectTimeout, token);
            slot.Adopt(opened, Stopwatch.GetTimestamp(), owner.Context, initial: true);
            owner.OnEstablished(opened.Stream);
            return true;
        }
        catch (TlsOpenFailure failure)
        {
            CountHandshakeFailure(slot, failure);
            owner.OnFailed(failure);
            return false;
        }
        catch (OperationCanceledException)
        {
            owner.OnNotOpened(countAsFailed: false);
            return false;
        }
        finally
        {
            owner.Opening.Release();
        }
    }

    /// <summary>
    /// Churn: opens the slot's next connection: at once after a planned close, after the back-off (doubling per
    /// failure in a row) with <c>--reconnect</c> after a failure; false when the slot is done.
    /// </summary>
    public static async Task<bool> OpenNextAsync(TlsSlot slot, TlsRun owner, RunContext run, bool retry, CancellationToken token)
    {
        var book = slot.Book;
        var shard = slot.Shard;
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

                    await Task.Delay(TimeSpan.FromSeconds(ChurnRules.NextBackoffTicks(run, book) / (double)Stopwatch.Frequency), token);
                    if (Stopwatch.GetTimestamp() >= run.SendStopTs)
                    {
                        return false;
                    }

                    lock (shard.Gate)
                    {
                        shard.Counters.Reconnects++;
                    }
                }
                else if (Stopwatch.GetTimestamp() >= run.SendStopTs)
                {
                    return false;
                }

                book.ResetForNewConnection();
                await owner.Opening.WaitAsync(token);
                try
                {
                    book.ConnectStartTs = Stopwatch.GetTimestamp();
                    var socket = await TlsOpener.ConnectAsync(run, owner.Waiter, run.SourceFor(book.Index), token);
                    lock (shard.Gate)
                    {
                        TcpConnect.RecordEstablished(shard.ConnectLatency, book.ConnectStartTs, Stopwatch.GetTimestamp());
                    }

                    var opened = await TlsOpener.HandshakeAsync(owner.Trust, socket, run.Options.ConnectTimeout, token);
                    slot.Adopt(opened, Stopwatch.GetTimestamp(), run, initial: false);
                }
                finally
                {
                    owner.Opening.Release();
                }

                ChurnRules.ArmLifetime(run, book, book.EstablishedTs);
                return true;
            }
            catch (TlsOpenFailure failure)
            {
                CountHandshakeFailure(slot, failure);
                lock (shard.Gate)
                {
                    shard.Counters.CountConnectFailure(failure.Cause);
                }

                retry = true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static void CountHandshakeFailure(TlsSlot slot, TlsOpenFailure failure)
    {
        if (failure.InHandshake)
        {
            lock (slot.Shard.Gate)
            {
                slot.Shard.HandshakeFailures++;
            }
        }
    }
}
