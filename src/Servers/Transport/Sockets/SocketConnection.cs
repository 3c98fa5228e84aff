using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace EchoServers.Servers.Transport.Sockets;

/// <summary>
/// One connection of the sockets transport, pumped the way Kestrel's socket transport does it: a receive loop that
/// reads from the socket straight into the input pipe's memory (no NetworkStream, no copy), and a send loop that writes
/// the output pipe's buffers to the socket. The app (the session, or TLS over it) sees the two pipes as
/// <see cref="Transport"/>; the pipes' pause thresholds (see <see cref="PipeLimits"/>) are the backpressure and the
/// memory bound. Dispose sends what the app wrote, then FIN, then lingers (bounded) for the peer's FIN, so the last
/// reply is not reset away; <see cref="Abort(ConnectionAbortedException)"/> closes at once.
/// </summary>
internal sealed class SocketConnection : ConnectionContext, IConnectionLifetimeFeature
{
    private static long _lastId;

    private readonly Socket _socket;
    private readonly ServerTestHooks? _hooks;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Task _receiving;
    private readonly Task _sending;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private IDictionary<object, object?>? _items;
    private volatile Exception? _sendError;
    private volatile bool _aborted;
    private int _disposed;

    public SocketConnection(Socket socket, PipeOptions input, PipeOptions output, ServerTestHooks? hooks)
    {
        _socket = socket;
        _hooks = hooks;
        _input = new Pipe(input);
        _output = new Pipe(output);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        ConnectionId = $"S{Interlocked.Increment(ref _lastId):X8}";
        _features.Set<IConnectionLifetimeFeature>(this);
        _receiving = ReceiveLoopAsync(_input.Writer);
        _sending = SendLoopAsync(_output.Reader);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Closes the socket under the pumps: wakes a receive on a silent peer and a send stuck on one that does not read.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        _aborted = true;
        _socket.Dispose();
    }

    void IConnectionLifetimeFeature.Abort() => Abort(new ConnectionAbortedException("aborted by the application"));

    /// <summary>
    /// Completes the app's ends of the pipes; waits for what was written to be sent (and FIN); lingers for the peer's
    /// FIN for at most <see cref="LingeringClose.MaxTime"/>; closes. A peer that does not read keeps the send pending:
    /// the caller bounds this with the send timeout and aborts.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await base.DisposeAsync();
            return;
        }

        await _input.Reader.CompleteAsync();
        await _output.Writer.CompleteAsync();
        await _sending;
        try
        {
            // The receive loop discards what the peer still sends until its FIN: closing with unread input would reset the last reply away.
            await _receiving.WaitAsync(LingeringClose.MaxTime);
        }
        catch (TimeoutException)
        {
            // The peer neither closed nor stopped sending within the linger time: close anyway.
        }

        _socket.Dispose();
        await _receiving;
        await _closed.CancelAsync();
        _closed.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>Pumps the socket into the input pipe; never throws, and always completes the pipe writer (with the error, if any).</summary>
    private async Task ReceiveLoopAsync(PipeWriter writer)
    {
        Exception? error = null;
        try
        {
            var received = _hooks?.Received;
            while (true)
            {
                // Kestrel's WaitForDataBeforeAllocatingBuffer: wait with a zero-byte receive, so a silent connection
                // holds no pipe segment (half its memory). Costs no system call: the runtime completes a zero-byte
                // receive on the readiness event, and the EAGAIN it takes replaces the one the real receive would take.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var memory = writer.GetMemory(PipeLimits.MinimumSegmentSize);
                var count = await _socket.ReceiveAsync(memory, SocketFlags.None);
                received?.Invoke(_socket, memory[..count]);
                if (count == 0)
                {
                    break;
                }

                writer.Advance(count);
                var flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    // The app stopped reading (error, close): swallow what still comes, bounded, until FIN.
                    await DiscardAsync();
                    break;
                }
            }
        }
        catch (Exception ex) when (_aborted || _sendError is not null || ex is ObjectDisposedException
            || ex is SocketException { SocketErrorCode: var code } && SocketErrors.IsOperationAborted(code))
        {
            // Our own close (abort, dispose), or the send failed first: that error is the connection's.
            error = _sendError;
        }
        catch (Exception ex)
        {
            // A reset, or any other error (ETIMEDOUT from keep-alive, a bug): the app sees it on its input.
            error = ex;
        }
        finally
        {
            // Whatever happened, the app must not wait on its input forever.
            await writer.CompleteAsync(error);
        }
    }

    private async Task DiscardAsync()
    {
        // Not the pipe's memory: the reader has completed and may have returned it to the pool.
        var scratch = new byte[PipeLimits.MinimumSegmentSize];
        var total = 0;
        while (total < LingeringClose.MaxBytes)
        {
            var received = await _socket.ReceiveAsync(scratch, SocketFlags.None);
            if (received == 0)
            {
                return;
            }

            total += received;
        }
    }

    /// <summary>Sends until the app completes the output, then FIN. A send error closes the socket and reaches the app through its input.</summary>
    private async Task SendLoopAsync(PipeReader reader)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _socket.SendAsync(segment, SocketFlags.None);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex)
        {
            error = ex;
            if (!_aborted && ex is not ObjectDisposedException)
            {
                // The receive loop ends with this error, so the app sees why its replies stopped.
                _sendError = ex;
                _socket.Dispose();
            }
        }
        finally
        {
            await reader.CompleteAsync(error);
        }
    }
}
