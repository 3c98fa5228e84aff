using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// One client connection through the proxy: connects upstream, runs a pump each way, and closes both sockets
/// when both directions have ended — gracefully, or with a reset when anything aborted it.
/// </summary>
internal sealed class ProxyConnection : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly FaultProxy _proxy;
    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly CancellationTokenSource _aborted = new();
    private readonly Lock _gate = new();
    private volatile bool _aborting;
    private bool _closed;

    public ProxyConnection(FaultProxy proxy, Socket client)
    {
        _proxy = proxy;
        _client = client;
        _upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _client.NoDelay = true;
    }

    public async Task RunAsync(IPEndPoint upstream, CancellationToken stopping)
    {
        using var stop = stopping.UnsafeRegister(static state => ((ProxyConnection)state!).Abort(), this);
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_aborted.Token))
            {
                connect.CancelAfter(ConnectTimeout);
                try
                {
                    await _upstream.ConnectAsync(upstream, connect.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // Toxiproxy's answer to a dead upstream: the client is dropped. A reset says so clearly.
                    _proxy.Stats.OnUpstreamFailure();
                    Abort();
                    return;
                }
            }

            var up = new ProxyPump(_proxy, this, _client, _upstream, ToxicDirection.Upstream).RunAsync(_aborted.Token);
            var down = new ProxyPump(_proxy, this, _upstream, _client, ToxicDirection.Downstream).RunAsync(_aborted.Token);
            await Task.WhenAll(up, down);
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Whether an abort has begun: its sockets may be disposed before its token is cancelled.</summary>
    public bool Aborting => _aborting;

    /// <summary>Closes both sockets with SO_LINGER 0 (each peer gets a reset) and stops both pumps. Idempotent.</summary>
    public void Abort()
    {
        // Under the lock so an abort from outside (the proxy stopping) never meets a disposed token source.
        lock (_gate)
        {
            if (_closed || _aborting)
            {
                return;
            }

            _aborting = true;
            _proxy.Stats.OnReset();
            ResetAndDispose(_client);
            ResetAndDispose(_upstream);
            _aborted.Cancel();
        }
    }

    /// <summary>Closes both sockets gracefully unless aborted; called once both pumps have ended.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            if (!_aborting)
            {
                _client.Dispose();
                _upstream.Dispose();
            }

            _aborted.Dispose();
        }
    }

    private static void ResetAndDispose(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.InvalidArgument or SocketError.NotConnected)
        {
            // Linux refuses socket options on a socket the peer already reset; closing still releases it.
        }

        socket.Dispose();
    }
}
