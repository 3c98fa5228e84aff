using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Load;

/// <summary>How an in-test server behaves.</summary>
public enum ServerBehaviour
{
    /// <summary>Correct: the Protocol library's PipeSession with the given framing and transform.</summary>
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
}

/// <summary>
/// A small echo server on 127.0.0.1:0 for the load generator's tests: a correct one built on the Protocol library,
/// and deliberately wrong ones. One dedicated thread per connection for the wrong ones (blocking sockets keep them
/// obviously right about being wrong).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ServerBehaviour _behaviour;
    private readonly ProtocolOptions _protocol;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _acceptLoop;
    private int _acceptedCount;

    public LoopbackServer(ServerBehaviour behaviour, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo)
    {
        _behaviour = behaviour;
        _protocol = new ProtocolOptions { Framing = framing, Transform = transform };
        _listener.Start(1024);
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
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

            _acceptedCount++;

            if (_behaviour == ServerBehaviour.Correct)
            {
                _ = ServeCorrectAsync(socket);
            }
            else
            {
                var answer = _behaviour != ServerBehaviour.AnswerHalf || _acceptedCount % 2 == 1;
                new Thread(() => ServeWrong(socket, answer)) { IsBackground = true }.Start();
            }
        }
    }

    private async Task ServeCorrectAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var pipe = new StreamDuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
        try
        {
            await new PipeSession(_protocol).RunAsync(pipe, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the test ended: nothing to serve.
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
        await _stop.CancelAsync();
        _listener.Stop();
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

    private sealed class StreamDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
