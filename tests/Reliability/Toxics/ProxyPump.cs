using System.Buffers;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// One direction of one proxied connection: reads the source, passes each chunk through the direction's
/// toxics, writes the destination. End of stream is passed on as a half-close; a reset on either socket
/// aborts the whole connection, so a fault is never turned into a clean end.
/// </summary>
internal sealed class ProxyPump : IToxicLink
{
    private const int BufferSize = 16 * 1024;

    private readonly FaultProxy _proxy;
    private readonly ProxyConnection _connection;
    private readonly Socket _source;
    private readonly Socket _destination;
    private readonly ToxicDirection _direction;
    private ToxicChain? _chain;
    private bool _writeClosed;

    public ProxyPump(FaultProxy proxy, ProxyConnection connection, Socket source, Socket destination, ToxicDirection direction)
    {
        _proxy = proxy;
        _connection = connection;
        _source = source;
        _destination = destination;
        _direction = direction;
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await _source.ReceiveAsync(buffer.AsMemory(0, BufferSize), SocketFlags.None, aborted);
                if (read == 0)
                {
                    CloseWrite();
                    return;
                }

                _proxy.Stats.OnRead(_direction, read);
                await CurrentChain().WriteAsync(buffer.AsMemory(0, read), aborted);
            }
        }
        catch (SocketException ex) when (IsPeerGone(ex.SocketErrorCode))
        {
            // A peer reset (or vanished): pass the fault on as a reset, never as a clean end.
            _connection.Abort();
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The connection was aborted (by a toxic, the other direction, or the proxy stopping).
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException && (aborted.IsCancellationRequested || _connection.Aborting))
        {
            // Sockets closed under a pending operation by the abort (which disposes them before it cancels the token,
            // so the reset goes out first: the token alone would let this race through as a failure).
        }
        catch
        {
            // Anything unexpected: the other direction must not hang on; the proxy's owner sees the exception.
            _connection.Abort();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_writeClosed)
        {
            _proxy.Stats.OnDropped(_direction, data.Length);
            return;
        }

        while (!data.IsEmpty)
        {
            var sent = await _destination.SendAsync(data, SocketFlags.None, cancellationToken);
            _proxy.Stats.OnWritten(_direction, sent);
            data = data[sent..];
        }
    }

    public void ResetConnection() => _connection.Abort();

    public void CloseWrite()
    {
        if (_writeClosed)
        {
            return;
        }

        _writeClosed = true;
        try
        {
            _destination.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.NotConnected or SocketError.ConnectionReset)
        {
            // The destination is already gone; its own pump reports that.
        }
    }

    private ToxicChain CurrentChain()
    {
        var toxics = _proxy.ToxicsFor(_direction);
        if (_chain is null || !ReferenceEquals(_chain.Toxics, toxics))
        {
            _chain = new ToxicChain(toxics, _chain, this);
        }

        return _chain;
    }

    private static bool IsPeerGone(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected;
}
