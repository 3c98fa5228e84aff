using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Kestrel's transport extension point for the epoll transport: registered in place of the socket transport, it binds
/// IP endpoints to <see cref="EpollConnectionListener"/>s. Linux only (the caller picks the socket transport elsewhere).
/// </summary>
internal sealed class EpollTransportFactory(EpollTransportOptions options) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"the epoll transport binds IP endpoints only, not {endpoint.GetType().Name}");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the epoll transport needs Linux; use --transport sockets here");
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult<IConnectionListener>(new EpollConnectionListener(ip, options));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // What Kestrel's own transports throw, and what its binder reports as "address already in use".
            throw new AddressInUseException(ex.Message, ex);
        }
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;
}
