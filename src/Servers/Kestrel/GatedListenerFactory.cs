using System.Net;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Connections.Admission;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Kestrel;

/// <summary>A Kestrel transport (sockets or epoll), with every listener it binds behind the <see cref="AdmissionGate"/>, and its connections' dispose bounded by the send timeout.</summary>
internal sealed class GatedListenerFactory(IConnectionListenerFactory inner, AdmissionGate gate, ServerContext context) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedConnectionListener(await inner.BindAsync(endpoint, cancellationToken), gate, context);

    public bool CanBind(EndPoint endpoint) => inner is IConnectionListenerFactorySelector selector ? selector.CanBind(endpoint) : endpoint is IPEndPoint;
}
