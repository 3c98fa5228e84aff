using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Load;

/// <summary>How an in-test server behaves.</summary>
public enum ServerBehaviour
{
    /// <summary>Correct: <see cref="TinyEchoServer"/> (the Protocol library's PipeSession) with the given framing and transform.</summary>
    Correct,

    /// <summary>Wrong: uppercases every byte (raw), whatever was expected.</summary>
    Upper,

    /// <summary>Wrong: drops the 100th byte of each connection's stream, echoes the rest (raw).</summary>
    DropByte,

    /// <summary>Wrong: line framing, replies to each pair of frames in swapped order.</summary>
    SwapPairs,

    /// <summary>Wrong: echoes the first 64 bytes of each connection, then reads and never replies.</summary>
    Stall,

    /// <summary>Unfair: echoes correctly on every other connection it accepts (the 1st, 3rd, …); reads and never replies on the rest.</summary>
    AnswerHalf,

    /// <summary>
    /// Refuses every second connection it accepts (the 2nd, 4th, …) as the servers do when full: the
    /// <c>ERROR:</c> line, then a close (after reading until the client closes, so no reset overtakes the line);
    /// echoes correctly on the rest. <see cref="LoopbackServer.Refused"/> counts the refusals.
    /// </summary>
    RefuseEveryOther,

    /// <summary>Refuses every connection as <see cref="RefuseEveryOther"/> refuses half of them (a server that is full).</summary>
    RefuseAll,
}

/// <summary>
/// A small echo server on 127.0.0.1:0 for the load generator's tests: the correct one is <see cref="TinyEchoServer"/>;
/// the deliberately wrong ones are here, one dedicated thread per connection (blocking sockets keep them obviously
/// right about being wrong).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener? _listener;
    private readonly TinyEchoServer? _correct;
    private readonly ServerBehaviour _behaviour;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _acceptLoop = Task.CompletedTask;
    private int _acceptedCount;
    private int _refused;

    public LoopbackServer(ServerBehaviour behaviour, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo)
    {
        _behaviour = behaviour;
        if (behaviour == ServerBehaviour.Correct)
        {
            // The correct one is the tests' one correct in-test server.
            _correct = new TinyEchoServer(new ServerOptions { Port = 0, Protocol = new ProtocolOptions { Framing = framing, Transform = transform } });
            _correct.Start();
            EndPoint = _correct.LocalEndPoint;
            return;
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(1024);
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptLoopAsync(_listener);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections accepted (the deliberately wrong servers only).</summary>
    public int Accepted => Volatile.Read(ref _acceptedCount);

    /// <summary>Connections refused with the <c>ERROR:</c> line (<see cref="ServerBehaviour.RefuseEveryOther"/>).</summary>
    public int Refused => Volatile.Read(ref _refused);

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            var accepted = Interlocked.Increment(ref _acceptedCount);
            if ((_behaviour == ServerBehaviour.RefuseEveryOther && accepted % 2 == 0) || _behaviour == ServerBehaviour.RefuseAll)
            {
                Interlocked.Increment(ref _refused);
                new Thread(() => Refuse(socket)) { IsBackground = true }.Start();
                continue;
            }

            var answer = (_behaviour != ServerBehaviour.AnswerHalf && _behaviour != ServerBehaviour.RefuseEveryOther) || accepted % 2 == 1;
            new Thread(() => ServeWrong(socket, answer)) { IsBackground = true }.Start();
        }
    }

    private static void Refuse(Socket socket)
    {
        try
        {
            socket.Send("ERROR: too many connections\n"u8);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            socket.ReceiveTimeout = 10_000;
            while (socket.Receive(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client closed or the test ended.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void ServeWrong(Socket socket, bool answer)
    {
        var buffer = new byte[64 * 1024];
        var line = new List<byte>();
        byte[]? held = null;
        long offset = 0;
        try
        {
            while (true)
            {
                var n = socket.Receive(buffer);
                if (n == 0)
                {
                    return;
                }

                switch (_behaviour)
                {
                    case ServerBehaviour.AnswerHalf:
                    case ServerBehaviour.RefuseEveryOther:
                        if (answer)
                        {
                            socket.Send(buffer.AsSpan(0, n));
                        }

                        break;

                    case ServerBehaviour.Upper:
                        Transform.ToUpperAscii(buffer.AsSpan(0, n), buffer);
                        socket.Send(buffer.AsSpan(0, n));
                        break;

                    case ServerBehaviour.DropByte:
                        var drop = 100 - offset;
                        if (drop >= 0 && drop < n)
                        {
                            socket.Send(buffer.AsSpan(0, (int)drop));
                            socket.Send(buffer.AsSpan((int)drop + 1, n - (int)drop - 1));
                        }
                        else
                        {
                            socket.Send(buffer.AsSpan(0, n));
                        }

                        offset += n;
                        break;

                    case ServerBehaviour.Stall:
                        var echo = (int)Math.Clamp(64 - offset, 0, n);
                        socket.Send(buffer.AsSpan(0, echo));
                        offset += n;
                        break;

                    case ServerBehaviour.SwapPairs:
                        foreach (var b in buffer.AsSpan(0, n))
                        {
                            line.Add(b);
                            if (b != (byte)'\n')
                            {
                                continue;
                            }

                            if (held is null)
                            {
                                held = [.. line];
                            }
                            else
                            {
                                socket.Send([.. line, .. held]);
                                held = null;
                            }

                            line.Clear();
                        }

                        break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client closed or the test ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_correct is not null)
        {
            await _correct.DisposeAsync();
        }

        await _stop.CancelAsync();
        _listener?.Stop();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
