using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Load;

/// <summary>
/// A raw echo server on 127.0.0.1:0 with a known capacity: replies leave through one token bucket shared by all
/// connections, at most <c>messagesPerSecond × messageSize</c> bytes per second. Beyond that rate its queue (the
/// unread bytes in the sockets) grows without bound, as a CPU-bound server's would, but its capacity does not
/// depend on how busy the test machine's two shared cores are — a <c>--work cpu:100us</c> server's would.
/// </summary>
public sealed class PacedEchoServer : IAsyncDisposable
{
    /// <summary>Lateness of the timer the bucket forgives (a token bucket's burst): Task.Delay wakes ~1 ms late.</summary>
    private static readonly double BurstSeconds = 0.005;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly List<Task> _connections = [];
    private readonly double _bytesPerSecond;
    private readonly Lock _bucket = new();
    private readonly Task _acceptLoop;
    private double _nextFreeSeconds;

    public PacedEchoServer(double messagesPerSecond, int messageSize)
    {
        _bytesPerSecond = messagesPerSecond * messageSize;
        _listener.Start(128);
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    private static double Now => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_accepted)
            {
                _accepted.Add(socket);
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var wait = Reserve(read) - Now;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), _stop.Token);
                }

                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client left or the test ended.
        }
    }

    /// <summary>When <paramref name="bytes"/> may leave: the bucket's clock advances by their share of a second.</summary>
    private double Reserve(int bytes)
    {
        lock (_bucket)
        {
            _nextFreeSeconds = Math.Max(_nextFreeSeconds, Now - BurstSeconds) + (bytes / _bytesPerSecond);
            return _nextFreeSeconds;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }

            connections = [.. _connections];
        }

        await Task.WhenAll([_acceptLoop, .. connections]).WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
