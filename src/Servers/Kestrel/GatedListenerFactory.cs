using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace EchoServers.Servers.Kestrel;

/// <summary>Kestrel's socket transport, with every listener it binds behind the <see cref="AdmissionGate"/>.</summary>
internal sealed class GatedListenerFactory(SocketTransportFactory inner, AdmissionGate gate) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedConnectionListener(await inner.BindAsync(endpoint, cancellationToken), gate);

    public bool CanBind(EndPoint endpoint) => inner.CanBind(endpoint);
}
