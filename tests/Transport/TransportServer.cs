using System.Net;
using EchoServers.Servers.Transport.Epoll;
using EchoServers.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace EchoServers.Tests.Transport;

/// <summary>The transport bound on 127.0.0.1:0 with an accept loop that runs <c>app</c> per connection, then disposes it.</summary>
internal sealed class TransportServer : IAsyncDisposable
{
    private readonly Task _accepting;

    private TransportServer(EpollConnectionListener listener, Func<ConnectionContext, Task> app)
    {
        Listener = listener;
        _accepting = AcceptAsync(app);
    }

    public EpollConnectionListener Listener { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Listener.EndPoint;

    public static async Task<TransportServer> StartAsync(int loops, Func<ConnectionContext, Task> app)
    {
        var factory = new EpollTransportFactory(new EpollTransportOptions { Loops = loops, Logger = NullLogger.Instance, Pool = new BlockMemoryPool(4096) });
        var listener = (EpollConnectionListener)await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        return new TransportServer(listener, app);
    }

    public async ValueTask DisposeAsync()
    {
        await Listener.UnbindAsync();
        await _accepting.WaitAsync(TestClient.DefaultTimeout);
        await Listener.DisposeAsync();
    }

    private async Task AcceptAsync(Func<ConnectionContext, Task> app)
    {
        while (await Listener.AcceptAsync() is { } connection)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await app(connection);
                }
                catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
                {
                    // The tests that provoke these check the client's side.
                }
                finally
                {
                    await connection.DisposeAsync();
                }
            });
        }
    }
}
