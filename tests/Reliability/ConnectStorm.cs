using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// A connect storm, as real clients make one: <c>connections</c> sockets connect at once, each sends a 64-byte
/// message the moment it is connected and goes on echoing (closed loop, one message in flight) until the storm ends.
/// Every reply is compared byte for byte with its message (connection id, sequence number and a per-message SHA-256
/// prefix are in it). Records, per connection, the time from the start of its connect to its first complete reply.
/// </summary>
internal static class ConnectStorm
{
    public const int MessageSize = 64;

    /// <summary>
    /// Runs the storm for <paramref name="duration"/> (every wait bounded by it) and returns each connection's time to
    /// first reply, null where none came.
    /// </summary>
    public static async Task<TimeSpan?[]> RunAsync(IPEndPoint target, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var firstReplies = new TimeSpan?[connections];
        var mismatches = 0;
        var clients = new Task[connections];
        for (var i = 0; i < connections; i++)
        {
            var id = i;
            clients[i] = Task.Run(
                async () =>
                {
                    if (!await EchoUntilStoppedAsync(target, id, firstReplies, stop.Token))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                },
                CancellationToken.None);
        }

        await Task.WhenAll(clients);
        cancellationToken.ThrowIfCancellationRequested();
        Assert.Equal(0, mismatches);
        return firstReplies;
    }

    /// <summary>Returns false if a reply differed from its message.</summary>
    private static async Task<bool> EchoUntilStoppedAsync(IPEndPoint target, int id, TimeSpan?[] firstReplies, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var message = new byte[MessageSize];
        var reply = new byte[MessageSize];
        var started = Stopwatch.GetTimestamp();
        try
        {
            await socket.ConnectAsync(target, stop);
            for (var sequence = 0; ; sequence++)
            {
                Fill(message, id, sequence);
                await socket.SendAsync(message, SocketFlags.None, stop);
                for (var received = 0; received < MessageSize;)
                {
                    var n = await socket.ReceiveAsync(reply.AsMemory(received), SocketFlags.None, stop);
                    if (n == 0)
                    {
                        return true; // the server closed: no reply, which the caller sees as none
                    }

                    received += n;
                }

                if (!reply.AsSpan().SequenceEqual(message))
                {
                    return false;
                }

                firstReplies[id] ??= Stopwatch.GetElapsedTime(started);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            return true; // the storm ended (or the connection broke): what was recorded stands
        }
    }

    /// <summary>Connection id, sequence number, then the first bytes of their SHA-256: no two messages alike.</summary>
    private static void Fill(byte[] message, int id, int sequence)
    {
        BitConverter.TryWriteBytes(message.AsSpan(0, 4), id);
        BitConverter.TryWriteBytes(message.AsSpan(4, 4), sequence);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(message.AsSpan(0, 8), hash);
        for (var offset = 8; offset < MessageSize; offset += 32)
        {
            hash[..Math.Min(32, MessageSize - offset)].CopyTo(message.AsSpan(offset));
        }
    }
}
