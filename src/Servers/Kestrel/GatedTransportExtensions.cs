using EchoServers.Servers.Connections;
using EchoServers.Servers.Connections.Admission;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace EchoServers.Servers.Kestrel;

/// <summary>Registers the gated socket transport in place of the one <c>UseSockets</c> registered.</summary>
internal static class GatedTransportExtensions
{
    /// <summary>Call after <c>UseSockets</c>: its options still apply, the gate only decides when to accept.</summary>
    public static IServiceCollection GateSocketTransport(this IServiceCollection services, AdmissionGate gate, ServerContext context)
    {
        var replaced = 0;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IConnectionListenerFactory) && services[i].ImplementationType == typeof(SocketTransportFactory))
            {
                services.RemoveAt(i);
                replaced++;
            }
        }

        // Kestrel would otherwise bind with the ungated factory (or both): fail at startup, not under load.
        if (replaced == 0)
        {
            throw new InvalidOperationException("the socket transport is not registered: call UseSockets before GateSocketTransport");
        }

        services.AddSingleton<IConnectionListenerFactory>(provider =>
            new GatedListenerFactory(ActivatorUtilities.CreateInstance<SocketTransportFactory>(provider), gate, context));
        return services;
    }

    /// <summary>Registers <paramref name="transport"/> (e.g. the epoll transport) behind the gate, with <c>UseKestrelCore</c> and no <c>UseSockets</c>.</summary>
    public static IServiceCollection UseGatedTransport(this IServiceCollection services, IConnectionListenerFactory transport, AdmissionGate gate, ServerContext context) =>
        services.AddSingleton<IConnectionListenerFactory>(new GatedListenerFactory(transport, gate, context));
}
