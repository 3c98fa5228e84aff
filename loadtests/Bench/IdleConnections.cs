using System.Net;
using System.Net.Sockets;
using System.Text;
using EchoServers.Linux;
using EchoServers.Load.Engine;

namespace EchoServers.Load.Bench;

/// <summary>
/// The memory cell: opens many connections, sends one 16-byte message on each and waits for its echo (so each
/// model has really set the connection up: a thread, a pipe, a buffer), lets them sit idle, and reads the server's
/// RSS growth. Connections a server refuses (closed) or never answers (a pool's waiting queue) are counted apart.
/// </summary>
internal static class IdleConnections
{
    private const int Concurrency = 200;
    private const int MessageSize = 16;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    public static async Task<IdleResult> MeasureAsync(IPEndPoint target, int count, int serverPid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var before = ProcessSample.TryRead(serverPid, countFds: false) ?? throw new LoadSetupException("the server is gone");
        var sockets = new Socket?[count];
        var outcomes = new int[count];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var gate = new SemaphoreSlim(Concurrency);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync(deadline.Token);
                try
                {
                    (sockets[i], outcomes[i]) = await OpenAsync(target, i, deadline.Token);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Out of time: what is open is measured; the rest counts as not established.
        }

        try
        {
            // Measurement pacing, not synchronisation: give the server a moment to finish what the echoes started.
            await Task.Delay(Settle, cancellationToken);
            var after = ProcessSample.TryRead(serverPid, countFds: false) ?? throw new LoadSetupException("the server died while holding idle connections");
            return new IdleResult(
                Requested: count,
                Established: outcomes.Count(o => o != Outcome.NotConnected),
                Answered: outcomes.Count(o => o == Outcome.Answered),
                Closed: outcomes.Count(o => o == Outcome.Closed),
                Silent: outcomes.Count(o => o == Outcome.Silent),
                RssBeforeBytes: before.RssBytes,
                RssAfterBytes: after.RssBytes,
                ThreadsAfter: after.Threads);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }
    }

    private static async Task<(Socket?, int)> OpenAsync(IPEndPoint target, int index, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target, cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return (null, Outcome.NotConnected);
        }

        var message = Encoding.ASCII.GetBytes($"idle{index:x8}....");
        var reply = new byte[MessageSize];
        try
        {
            await socket.SendAsync(message, cancellationToken);
            var received = 0;
            while (received < MessageSize)
            {
                var n = await socket.ReceiveAsync(reply.AsMemory(received), cancellationToken);
                if (n == 0)
                {
                    return (socket, Outcome.Closed);
                }

                received += n;
            }

            return (socket, reply.AsSpan().SequenceEqual(message) ? Outcome.Answered : Outcome.Closed);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            return (socket, Outcome.Closed);
        }
        catch (OperationCanceledException)
        {
            return (socket, Outcome.Silent);
        }
    }

    private static class Outcome
    {
        public const int NotConnected = 0;
        public const int Answered = 1;
        public const int Closed = 2;
        public const int Silent = 3;
    }
}
