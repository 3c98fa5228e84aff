using EchoServers.Protocol.Session;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Kestrel;

/// <summary>What the connection handler (created by Kestrel's DI) shares with the server that configured it.</summary>
internal sealed class KestrelEchoState(ServerContext context, PipeSession session)
{
    public ServerContext Context { get; } = context;

    public PipeSession Session { get; } = session;

    public ActiveConnections<ConnectionContext> Connections { get; } = new();

    /// <summary>Set when the server stops: Kestrel still accepts during the drain, so new connections are refused here.</summary>
    public volatile bool Stopping;
}
