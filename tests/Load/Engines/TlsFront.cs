using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace EchoServers.Tests.Load.Engines;

/// <summary>
/// TLS in front of a plain in-test server: accepts TLS on 127.0.0.1:0 and carries the decrypted bytes, unchanged,
/// to the server behind and its replies back, so that every deliberately wrong <see cref="LoopbackServer"/> (drops,
/// reorders, stalls, corrupts, starves) is wrong over TLS in exactly the same way. A close or reset on either side
/// ends the other.
/// </summary>
internal sealed class TlsFront : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _backend;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    public TlsFront(IPEndPoint backend, X509Certificate2 certificate)
    {
        _backend = backend;
        _certificate = certificate;
        _listener.Start(1024);
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(CarryAsync(client, _stop.Token));
            }
        }
    }

    private async Task CarryAsync(Socket client, CancellationToken token)
    {
        client.NoDelay = true;
        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await using var tls = new SslStream(new NetworkStream(client, ownsSocket: true));
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, token);
            await backend.ConnectAsync(_backend, token);
            await using var plain = new NetworkStream(backend, ownsSocket: false);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(token);
            var up = PumpAsync(tls, plain, either);
            var down = PumpAsync(plain, tls, either);
            await Task.WhenAny(up, down);
            await either.CancelAsync();
            await Task.WhenAll(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client or the test ended the connection.
        }
    }

    /// <summary>Copies until the source ends; then ends the other side too (the whole connection goes).</summary>
    private static async Task PumpAsync(Stream from, Stream to, CancellationTokenSource either)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, either.Token)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), either.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed, reset or cancelled: the other direction ends with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
