using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace EchoServers.Servers.Connections.Tls;

/// <summary>
/// TLS as a connection layer over any transport, in the shape of Kestrel's TLS middleware: an <see cref="SslStream"/>
/// over the transport connection's pipes (<see cref="DuplexPipeStream"/>), and the decrypted bytes offered to the app
/// as pipes again, so the session cannot tell it from plain TCP. The inner pipes keep the transport's thresholds, so
/// backpressure and the memory bound are the transport's. Disposing sends what the app wrote, close_notify (the last
/// replies are complete, not a truncation), then disposes the transport connection (FIN, bounded linger).
/// </summary>
internal sealed class TlsConnection : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly SslStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private int _disposed;

    private TlsConnection(ConnectionContext inner, SslStream stream)
    {
        _inner = inner;
        _stream = stream;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: PipeLimits.MinimumSegmentSize, leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: PipeLimits.MinimumSegmentSize, leaveOpen: true));
        Transport = new DuplexPipe(_input, _output);
    }

    /// <summary>
    /// The handshake over <paramref name="inner"/>, within the deadline: the TLS connection, or why it failed (reported
    /// by the caller once the slot is free), or neither when <paramref name="closing"/> ended it. On failure the transport
    /// connection is left to the caller to dispose.
    /// </summary>
    public static async Task<(TlsConnection? Connection, string? Failure)> OpenAsync(ServerTls tls, ConnectionContext inner, CancellationToken closing)
    {
        var (stream, failure) = await tls.AuthenticateAsync(new DuplexPipeStream(inner.Transport), closing);
        return stream is null ? (null, failure) : (new TlsConnection(inner, stream), null);
    }

    public override string ConnectionId { get => _inner.ConnectionId; set => _inner.ConnectionId = value; }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items { get => _inner.Items; set => _inner.Items = value; }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get => _inner.LocalEndPoint; set => _inner.LocalEndPoint = value; }

    public override EndPoint? RemoteEndPoint { get => _inner.RemoteEndPoint; set => _inner.RemoteEndPoint = value; }

    public override CancellationToken ConnectionClosed { get => _inner.ConnectionClosed; set => _inner.ConnectionClosed = value; }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await base.DisposeAsync();
            return;
        }

        try
        {
            await _input.CompleteAsync();

            // Flushes what the app wrote and has not been encrypted yet.
            await _output.CompleteAsync();
            await _stream.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
            or ConnectionAbortedException or ConnectionResetException or System.Net.Sockets.SocketException)
        {
            // The peer is gone, or the connection was aborted: nothing more can reach it.
        }
        finally
        {
            await _stream.DisposeAsync();
            await _inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
