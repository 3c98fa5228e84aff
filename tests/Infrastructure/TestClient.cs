using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Security.Authentication;
using System.Text;

namespace EchoServers.Tests.Infrastructure;

/// <summary>
/// A TCP client for tests: every wait has a timeout (a hung server fails the test instead of hanging the run),
/// receives are buffered so lines and exact counts can be read across TCP segment boundaries. Over TLS
/// (<see cref="ConnectTlsAsync"/>) the same calls go through an <see cref="SslStream"/>, with socket errors surfacing as
/// the same <see cref="SocketException"/>s.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    /// <summary>The timeout of every wait unless one is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly byte[] _chunk = new byte[64 * 1024];
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private TestClient(Socket socket, SslStream? tls = null)
    {
        Socket = socket;
        Tls = tls;
    }

    /// <summary>The connected socket.</summary>
    public Socket Socket { get; }

    /// <summary>The TLS stream over <see cref="Socket"/>, when connected with <see cref="ConnectTlsAsync"/>.</summary>
    public SslStream? Tls { get; }

    /// <summary>
    /// Connects and completes a TLS handshake, trusting only the certificate whose SHA-256 fingerprint (hex, any case,
    /// colons optional) is <paramref name="pinnedSha256"/>: the test knows the server's certificate, so no CA is involved.
    /// </summary>
    public static async Task<TestClient> ConnectTlsAsync(IPEndPoint endPoint, string pinnedSha256, TimeSpan? timeout = null)
    {
        var plain = await ConnectAsync(endPoint, timeout: timeout);
        var pinned = pinnedSha256.Replace(":", string.Empty, StringComparison.Ordinal);
        var tls = new SslStream(new NetworkStream(plain.Socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = endPoint.Address.ToString(),
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        certificate is not null && string.Equals(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), pinned, StringComparison.OrdinalIgnoreCase),
                },
                cts.Token);
            return new TestClient(plain.Socket, tls);
        }
        catch
        {
            await tls.DisposeAsync();
            plain.Socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to <paramref name="endPoint"/> with TCP_NODELAY; <paramref name="configure"/> runs before connecting (buffer sizes...).</summary>
    public static async Task<TestClient> ConnectAsync(IPEndPoint endPoint, Action<Socket>? configure = null, TimeSpan? timeout = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            configure?.Invoke(socket);
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            await socket.ConnectAsync(endPoint, cts.Token);
            return new TestClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> data, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        if (Tls is not null)
        {
            try
            {
                await Tls.WriteAsync(data, cts.Token);
            }
            catch (IOException ex) when (ex.InnerException is SocketException socketError)
            {
                ExceptionDispatchInfo.Throw(socketError);
            }

            return;
        }

        while (!data.IsEmpty)
        {
            var sent = await Socket.SendAsync(data, SocketFlags.None, cts.Token);
            data = data[sent..];
        }
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8.</summary>
    public Task SendAsync(string text, TimeSpan? timeout = null) => SendAsync(Encoding.UTF8.GetBytes(text), timeout);

    /// <summary>
    /// Sends <paramref name="request"/> cut at random points (seeded) while receiving <paramref name="replyLength"/>
    /// bytes, and returns them: a client that sent everything first would stall on the server's backpressure, and no
    /// frame boundary lines up with a write.
    /// </summary>
    public async Task<byte[]> ExchangeInRandomPiecesAsync(ReadOnlyMemory<byte> request, int replyLength, int seed, int maxChunk, TimeSpan? timeout = null)
    {
        var receiving = ReceiveExactlyAsync(replyLength, timeout);
        foreach (var piece in Payloads.SplitRandomly(request, seed, maxChunk))
        {
            await SendAsync(piece, timeout);
        }

        return await receiving;
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes; throws <see cref="EndOfStreamException"/> at EOF first.</summary>
    public async Task<byte[]> ReceiveExactlyAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (_end - _start < count)
        {
            if (await FillAsync(cts.Token) == 0)
            {
                throw new EndOfStreamException($"EOF after {_end - _start} of {count} bytes");
            }
        }

        var result = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return result;
    }

    /// <summary>Reads one <c>\n</c>-terminated line (without the terminator); null at EOF.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline);
                _start += newline + 1;
                return line;
            }

            if (await FillAsync(cts.Token) == 0)
            {
                return null;
            }
        }
    }

    /// <summary>Reads until the server closes: the bytes before EOF, and whether the end was a reset rather than a FIN.</summary>
    public async Task<(byte[] Data, bool Reset)> ReceiveToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await FillAsync(cts.Token) > 0)
            {
            }

            return (TakeAll(), false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return (TakeAll(), true);
        }
    }

    /// <summary>
    /// True if nothing (no byte, no EOF) arrives within <paramref name="window"/>: the bounded observation a negative
    /// assertion needs. Whatever does arrive stays buffered for the next read.
    /// </summary>
    public async Task<bool> StaysSilentForAsync(TimeSpan window)
    {
        if (_end > _start)
        {
            return false;
        }

        using var cts = new CancellationTokenSource(window);
        try
        {
            // Data or EOF within the window both break the silence.
            await FillAsync(cts.Token);
            return false;
        }
        catch (TimeoutException)
        {
            // On Linux a cancelled receive leaves the socket usable: later reads still see the reply.
            return true;
        }
    }

    /// <summary>Half-close: no more data from us (FIN); replies still come.</summary>
    public void ShutdownSend() => Socket.Shutdown(SocketShutdown.Send);

    /// <summary>Half-close over TLS: close_notify, then FIN; replies still come.</summary>
    public async Task ShutdownSendAsync()
    {
        if (Tls is not null)
        {
            await Tls.ShutdownAsync();
        }

        Socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Aborts the connection with a reset (SO_LINGER 0), as a crashing client would.</summary>
    public void Reset()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Tls is not null)
        {
            await Tls.DisposeAsync();
        }

        Socket.Dispose();
    }

    private byte[] TakeAll()
    {
        var result = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end = 0;
        return result;
    }

    private async Task<int> FillAsync(CancellationToken cancellationToken)
    {
        int received;
        try
        {
            received = Tls is null
                ? await Socket.ReceiveAsync(_chunk, SocketFlags.None, cancellationToken)
                : await Tls.ReadAsync(_chunk, cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is SocketException socketError)
        {
            ExceptionDispatchInfo.Throw(socketError);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no data from the server in time ({_end - _start} bytes buffered)");
        }

        if (received > 0)
        {
            Append(_chunk.AsSpan(0, received));
        }

        return received;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_start > 0 && _end + data.Length > _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + data.Length));
        }

        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }
}
