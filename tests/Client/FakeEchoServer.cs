using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;

namespace EchoServers.Tests.Client;

/// <summary>
/// A small scripted echo server on 127.0.0.1, port 0, built on the protocol library's <see cref="SpanFramer"/>
/// and transforms, with misbehaviours on demand (<see cref="FakeServerScript"/>). The client tests need a server
/// whose timing they control; the conformance suite tests the real ones.
/// </summary>
internal sealed class FakeEchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly FakeServerScript _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    private FakeEchoServer(FakeServerScript script)
    {
        _script = script;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public static FakeEchoServer Start(FakeServerScript? script = null) => new(script ?? new FakeServerScript());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stop.Token);
            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(ServeAsync(socket, _stop.Token));
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var _ = socket;
        try
        {
            await AnswerAsync(socket, cancellationToken);
            // Closing with the client's bytes unread would send a reset; half-close, then drain until it leaves.
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink, cancellationToken) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            // The client left abruptly; that is its business, not the fake's.
        }
    }

    private async Task AnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        var framer = new SpanFramer(_script.Framing, _script.MaxFrame);
        var buffer = new byte[4096];
        var filled = 0;
        var answered = 0;
        var replies = new ArrayBufferWriter<byte>();
        var held = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                await socket.SendAsync(replies.WrittenMemory, cancellationToken);
                return;
            }

            filled += read;
            var offset = 0;
            FrameStatus status;
            while ((status = framer.TryParse(buffer.AsSpan(offset, filled - offset), out var frame, out _)) == FrameStatus.Complete)
            {
                offset += frame.Consumed;
                if (_script.Mute)
                {
                    continue;
                }

                if (_script.OversizeReply > 0)
                {
                    var big = new SpanFramer(_script.Framing, ProtocolLimits.MaxMaxFrame).Encode(new byte[_script.OversizeReply]);
                    await socket.SendAsync(big, cancellationToken);
                    return;
                }

                var payload = buffer.AsSpan(offset - frame.Consumed + frame.PayloadOffset, frame.PayloadLength);
                var reply = replies.GetSpan(payload.Length + framer.Overhead);
                replies.Advance(framer.Write(payload, reply, _script.Transform));
                held++;
                answered++;
                if (held == _script.RepliesPerWrite || answered == _script.CloseAfter)
                {
                    await socket.SendAsync(replies.WrittenMemory, cancellationToken);
                    replies.ResetWrittenCount();
                    held = 0;
                }

                if (answered == _script.CloseAfter)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(_script.Farewell), cancellationToken);
                    return;
                }
            }

            if (status != FrameStatus.Incomplete)
            {
                var error = ProtocolError.FromStatus(status, _script.Framing, _script.MaxFrame, filled - offset);
                if (_script.Framing == FramingKind.Line)
                {
                    await socket.SendAsync(ErrorLine.For(error), cancellationToken);
                }

                return;
            }

            buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
            filled -= offset;
        }
    }
}
