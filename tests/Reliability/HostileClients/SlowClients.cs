using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>Clients that hold a server's resources by being slow: dribblers, idlers, and peers that never read.</summary>
public static class SlowClients
{
    private const int SlowReaderChunk = 4 * 1024;

    /// <summary>
    /// Slowloris: sends one byte every <paramref name="interval"/> (cycling through <paramref name="dribble"/>,
    /// default letters without a newline: a frame that never ends) for up to <paramref name="duration"/>, and
    /// stops as soon as the server closes the connection (<see cref="PeerEnd.Closed"/> or Reset: freed).
    /// <paramref name="started"/>, when given, completes once connected and the first byte is sent (or on failure),
    /// so a test can run its probes while the whole crowd is in place.
    /// </summary>
    public static async Task<HostileOutcome> SlowlorisAsync(
        IPEndPoint endPoint, TimeSpan interval, TimeSpan duration, CancellationToken cancellationToken, ReadOnlyMemory<byte> dribble = default, TaskCompletionSource? started = null)
    {
        try
        {
            return await DribbleAsync(endPoint, interval, duration, dribble, started, cancellationToken);
        }
        finally
        {
            started?.TrySetResult();
        }
    }

    private static async Task<HostileOutcome> DribbleAsync(
        IPEndPoint endPoint, TimeSpan interval, TimeSpan duration, ReadOnlyMemory<byte> dribble, TaskCompletionSource? firstSent, CancellationToken cancellationToken)
    {
        if (dribble.IsEmpty)
        {
            dribble = "slowloris"u8.ToArray();
        }

        var started = Stopwatch.GetTimestamp();
        using var socket = await HostileSocket.ConnectAsync(endPoint, cancellationToken);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(duration);
        var reading = HostileSocket.ReadUntilEndAsync(socket, window.Token);
        long sent = 0;
        try
        {
            while (!reading.IsCompleted)
            {
                sent += await socket.SendAsync(dribble.Slice((int)(sent % dribble.Length), 1), SocketFlags.None, window.Token);
                firstSent?.TrySetResult();

                // The pause is the attack, not synchronisation; the server closing ends it early.
                await Task.WhenAny(reading, Task.Delay(interval, window.Token));
            }
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested)
        {
            // The duration is over.
        }
        catch (SocketException ex) when (HostileSocket.IsBroken(ex.SocketErrorCode))
        {
            // The server freed the connection while we were sending; the reader says how.
        }

        var (end, received, head) = await reading;
        cancellationToken.ThrowIfCancellationRequested();
        return new HostileOutcome(end, sent, received, head, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections that send nothing and waits up to <paramref name="hold"/> for the
    /// server to close them (an idle timeout does). Connections still open after the hold are closed by us.
    /// </summary>
    public static async Task<IdleOutcome> IdleConnectorsAsync(IPEndPoint endPoint, int count, TimeSpan hold, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                sockets.Add(await HostileSocket.ConnectAsync(endPoint, cancellationToken));
            }

            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(hold);
            long lastClosedTicks = 0;
            var ends = await Task.WhenAll(sockets.Select(async socket =>
            {
                var (end, _, _) = await HostileSocket.ReadUntilEndAsync(socket, window.Token);
                if (end != PeerEnd.StillOpen)
                {
                    var at = Stopwatch.GetElapsedTime(started).Ticks;
                    InterlockedMax(ref lastClosedTicks, at);
                }

                return end;
            }));
            cancellationToken.ThrowIfCancellationRequested();
            return new IdleOutcome(sockets.Count, ends.Count(e => e != PeerEnd.StillOpen), TimeSpan.FromTicks(lastClosedTicks));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// A peer that sends <paramref name="pattern"/> over and over and never reads. Sending stalls once the server
    /// stops reading it (backpressure) and every buffer in between is full; a send that makes no progress for
    /// <paramref name="stallAfter"/> marks the stall, and <paramref name="maxBytes"/> bounds the attempt.
    /// While stalled, with the connection still open, <paramref name="whileStalled"/> runs (e.g. a probe that
    /// another client is still served). Send the framing's valid frames, or the server may just close.
    /// </summary>
    public static async Task<SlowReaderOutcome> SlowReaderAsync(
        IPEndPoint endPoint, ReadOnlyMemory<byte> pattern, TimeSpan stallAfter, long maxBytes, CancellationToken cancellationToken, Func<CancellationToken, Task>? whileStalled = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var socket = await HostileSocket.ConnectAsync(endPoint, cancellationToken);
        var buffers = (long)socket.SendBufferSize + socket.ReceiveBufferSize;
        var chunk = Repeat(pattern, SlowReaderChunk);
        long accepted = 0;
        var stalled = false;
        var closedByServer = false;
        var offset = 0;
        while (accepted < maxBytes)
        {
            using var progress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            progress.CancelAfter(stallAfter);
            try
            {
                var sent = await socket.SendAsync(chunk.AsMemory(offset, SlowReaderChunk), SocketFlags.None, progress.Token);
                accepted += sent;
                offset = (offset + sent) % pattern.Length;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                stalled = true;
                break;
            }
            catch (SocketException ex) when (HostileSocket.IsBroken(ex.SocketErrorCode))
            {
                // The server closed the non-reader (e.g. a write deadline): a legitimate defence, reported as such.
                closedByServer = true;
                break;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (stalled && whileStalled is not null)
        {
            await whileStalled(cancellationToken);
        }

        HostileSocket.Reset(socket);
        return new SlowReaderOutcome(accepted, stalled, closedByServer, buffers, elapsed);
    }

    private static byte[] Repeat(ReadOnlyMemory<byte> pattern, int atLeast)
    {
        // Whole patterns plus one more, so any offset within a pattern still leaves a full chunk to send.
        var copies = (atLeast / pattern.Length) + 2;
        var bytes = new byte[copies * pattern.Length];
        for (var i = 0; i < copies; i++)
        {
            pattern.Span.CopyTo(bytes.AsSpan(i * pattern.Length));
        }

        return bytes;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
