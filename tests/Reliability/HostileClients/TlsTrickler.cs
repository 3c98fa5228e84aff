using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>
/// A TLS client that completes its handshake, then sends one application record a byte at a time: every receive the
/// server makes returns a byte, but its TLS layer never has a whole record to hand to the session.
/// </summary>
public static class TlsTrickler
{
    /// <summary>
    /// Trickles until the server closes the connection (true) or <paramref name="duration"/> is over (false);
    /// <paramref name="trickling"/> completes once the first byte of the record is sent (or on failure).
    /// </summary>
    public static async Task<bool> RunAsync(IPEndPoint endPoint, string pinnedSha256, TimeSpan interval, TimeSpan duration, TaskCompletionSource trickling, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(duration);
        await socket.ConnectAsync(endPoint, window.Token);
        var holding = new HoldingStream(new NetworkStream(socket, ownsSocket: false));
        await using var tls = new SslStream(holding, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = endPoint.Address.ToString(),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).Equals(pinnedSha256, StringComparison.OrdinalIgnoreCase) == true,
            },
            window.Token);

        // The record is made, not sent: its bytes go out one by one below.
        holding.Hold = true;
        await tls.WriteAsync(new byte[200], window.Token);
        var record = holding.Held.ToArray();
        var closed = ReadUntilClosedAsync(socket, window.Token);
        try
        {
            for (var i = 0; i < record.Length && !closed.IsCompleted; i++)
            {
                await socket.SendAsync(record.AsMemory(i, 1), SocketFlags.None, window.Token);
                trickling.TrySetResult();

                // The pause is the attack, not synchronisation; the server closing ends it early.
                await Task.WhenAny(closed, Task.Delay(interval, window.Token));
            }

            return await closed;
        }
        catch (SocketException)
        {
            return true; // a send failed: the server closed (or reset) the connection under it
        }
        catch (OperationCanceledException)
        {
            return closed.IsCompletedSuccessfully && closed.Result;
        }
        finally
        {
            trickling.TrySetResult();
        }
    }

    private static async Task<bool> ReadUntilClosedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var scratch = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, cancellationToken) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true; // reset: closed as well
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Passes the handshake through; once <see cref="Hold"/> is set, keeps what is written instead of sending it.</summary>
    private sealed class HoldingStream(Stream inner) : Stream
    {
        public bool Hold { get; set; }

        public MemoryStream Held { get; } = new();

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Hold)
            {
                Held.Write(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Hold ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                Held.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
