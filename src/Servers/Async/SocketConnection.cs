using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Async;

/// <summary>
/// One connection of the async model, pumped the way Kestrel's socket transport does it: a receive loop that reads
/// from the socket straight into the input pipe's memory (no NetworkStream, no copy), a send loop that writes the
/// output pipe's buffers to the socket, and the shared <see cref="PipeSession"/> between them. The pipes' pause
/// thresholds (see <see cref="PipeLimits"/>) are the backpressure and the memory bound. Under <c>--tls</c> the same
/// pumps read and write an <see cref="SslStream"/> over the socket instead (decrypted bytes into the input pipe,
/// replies encrypted from the output pipe), after <see cref="OpenAsync"/> has done the handshake.
/// </summary>
internal sealed class SocketConnection
{
    /// <summary>After the session ends, how long the last replies may take to leave when no idle timeout bounds it.</summary>
    private static readonly TimeSpan DefaultSendDrainTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly PipeSession _session;
    private readonly CancellationToken _closeRequested;
    private readonly EndPoint? _peer;
    private SslStream? _tls;
    private string? _handshakeFailure;
    private volatile bool _aborted;

    public SocketConnection(Socket socket, ServerContext context, PipeSession session, CancellationToken closeRequested)
    {
        _socket = socket;
        _context = context;
        _session = session;
        _closeRequested = closeRequested;
        _peer = socket.RemoteEndPoint;
    }

    /// <summary>
    /// Under <c>--tls</c>, the handshake, bounded by its deadline; true when the connection is ready to serve. False
    /// when it failed (see <see cref="ReportHandshakeFailure"/>) or the server is closing; the socket is then closed.
    /// Never throws.
    /// </summary>
    public async ValueTask<bool> OpenAsync()
    {
        if (_context.Tls is not { } tls)
        {
            return true;
        }

        (_tls, _handshakeFailure) = await tls.AuthenticateAsync(_socket, _closeRequested);
        if (_tls is null)
        {
            _socket.Dispose();
            return false;
        }

        return true;
    }

    /// <summary>After a failed <see cref="OpenAsync"/>, once the slot is given back: counts and logs the handshake failure.</summary>
    public void ReportHandshakeFailure()
    {
        if (_handshakeFailure is { } reason)
        {
            _context.Tls!.Failed(_peer, reason);
        }
    }

    /// <summary>Serves the connection to its end; never throws.</summary>
    public async Task RunAsync()
    {
        var input = new Pipe(PipeLimits.Input(_context.Protocol));
        var output = new Pipe(PipeLimits.Output(_context.Protocol));
        var receiving = ReceiveLoopAsync(input.Writer);
        var sending = SendLoopAsync(output.Reader);
        try
        {
            var result = await _session.RunAsync(new DuplexPipe(input.Reader, output.Writer), _closeRequested);
            switch (result.Reason)
            {
                case SessionEndReason.IdleTimeout:
                    // Silent or not reading: do not wait for it to take the last replies.
                    _context.Events.Report(ConnectionEvent.IdleTimeout);
                    return;
                case SessionEndReason.ProtocolError:
                    _context.Events.ProtocolError(_peer, result.Error!.Value);
                    break;
            }

            // WaitAsync, not Task.Delay: its timer goes away as soon as the task completes (usually at once).
            var drain = _context.Protocol.IdleTimeout > TimeSpan.Zero ? _context.Protocol.IdleTimeout : DefaultSendDrainTimeout;
            if (await sending.WaitAsync(drain) is { } sendError)
            {
                Classify(sendError);
            }
            else if (result.Reason == SessionEndReason.ProtocolError)
            {
                // The receive loop discards what the peer still sends, so closing does not reset the error line away.
                try
                {
                    await receiving.WaitAsync(LingeringClose.MaxTime);
                }
                catch (TimeoutException)
                {
                    // The peer neither closed nor stopped sending within the linger time: close anyway.
                }
            }
        }
        catch (TimeoutException)
        {
            // The peer stopped reading after the session ended: the finally aborts it.
            _context.Events.Report(ConnectionEvent.IdleTimeout);
        }
        catch (Exception ex)
        {
            Classify(ex);
        }
        finally
        {
            // Wakes a receive still pending on a peer that has not closed, and any send stuck on a peer that does not read.
            _socket.Dispose();
            await receiving;
            await sending;
            if (_tls is not null)
            {
                await _tls.DisposeAsync();
            }
        }
    }

    /// <summary>Closes the socket under the pumps (stop, after the drain and the close grace).</summary>
    public void Abort()
    {
        _aborted = true;
        _socket.Dispose();
    }

    private void Classify(Exception exception)
    {
        if (exception is IOException { InnerException: SocketException socketError })
        {
            exception = socketError;
        }

        if (_aborted || exception is ObjectDisposedException || exception is SocketException { SocketErrorCode: var aborted } && SocketErrors.IsOperationAborted(aborted))
        {
            return;
        }

        if (exception is SocketException socketException && SocketErrors.IsConnectionReset(socketException.SocketErrorCode))
        {
            _context.Events.Report(ConnectionEvent.Reset, _peer, exception);
            return;
        }

        if (_tls is not null && exception is IOException)
        {
            // A record that does not decrypt, an alert, a broken stream: the peer's doing, like a reset.
            _context.Events.Report(ConnectionEvent.Reset, _peer, exception);
            return;
        }

        _context.Events.Report(ConnectionEvent.Failed, _peer, exception);
    }

    private ValueTask<int> ReceiveAsync(Memory<byte> buffer) =>
        _tls is null ? _socket.ReceiveAsync(buffer, SocketFlags.None) : ReadTlsAsync(buffer);

    private ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer) =>
        _tls is null ? _socket.SendAsync(buffer, SocketFlags.None) : WriteTlsAsync(buffer);

    // SslStream reports socket errors as IOException around the SocketException: unwrapped, the pumps handle both alike.
    private async ValueTask<int> ReadTlsAsync(Memory<byte> buffer)
    {
        try
        {
            return await _tls!.ReadAsync(buffer);
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            ExceptionDispatchInfo.Throw(socketError);
            throw;
        }
    }

    private async ValueTask<int> WriteTlsAsync(ReadOnlyMemory<byte> buffer)
    {
        try
        {
            await _tls!.WriteAsync(buffer);
            return buffer.Length;
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            ExceptionDispatchInfo.Throw(socketError);
            throw;
        }
    }

    /// <summary>Pumps the socket into the input pipe; never throws, and always completes the pipe writer (with the error, if any).</summary>
    private async Task ReceiveLoopAsync(PipeWriter writer)
    {
        Exception? error = null;
        try
        {
            var received = _context.Hooks?.Received;
            while (true)
            {
                // Kestrel's WaitForDataBeforeAllocatingBuffer: wait with a zero-byte receive, so a silent connection
                // holds no pipe segment (half its memory). Costs no system call: the runtime completes a zero-byte
                // receive on the readiness event, and the EAGAIN it takes replaces the one the real receive would take.
                // SslStream supports the same zero-byte read (and lets go of its own buffer while waiting).
                await ReceiveAsync(Memory<byte>.Empty);
                var memory = writer.GetMemory(PipeLimits.MinimumSegmentSize);
                var count = await ReceiveAsync(memory);
                received?.Invoke(_socket, memory[..count]);
                if (count == 0)
                {
                    break;
                }

                writer.Advance(count);
                var flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    // The session stopped reading (error, close): swallow what still comes, bounded, until FIN.
                    await DiscardAsync();
                    break;
                }
            }
        }
        catch (SocketException ex) when (SocketErrors.IsOperationAborted(ex.SocketErrorCode))
        {
            // Our own close: the session has ended already.
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            // A reset, or any other error (ETIMEDOUT from keep-alive, a bug): the session sees it on its input,
            // ends, and the connection is classified and closed there.
            error = ex;
        }
        finally
        {
            // Whatever happened, the session must not wait on its input forever.
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
            var received = await ReceiveAsync(scratch);
            if (received == 0)
            {
                return;
            }

            total += received;
        }
    }

    /// <summary>Sends until the session completes the output; then FIN. Returns the send error, if any.</summary>
    private async Task<Exception?> SendLoopAsync(PipeReader reader)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                if (buffer.IsSingleSegment)
                {
                    if (!buffer.IsEmpty)
                    {
                        await SendAsync(buffer.First);
                    }
                }
                else
                {
                    foreach (var segment in buffer)
                    {
                        await SendAsync(segment);
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            if (_tls is not null)
            {
                // close_notify before the FIN: the last replies are complete, not a truncation.
                await _tls.ShutdownAsync();
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex)
        {
            // A reset, or the session failing (its exception arrives through the pipe): either way sending is over.
            error = ex;
        }
        finally
        {
            await reader.CompleteAsync(error);
        }

        return error;
    }
}
