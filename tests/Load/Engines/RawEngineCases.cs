using EchoServers.Load.Engine;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Load.Engines;

/// <summary>The engine cases on the epoll engine: plain TCP, straight to the in-test server.</summary>
public sealed class RawEngineCases : EngineCases
{
    protected override string EngineName => "epoll";

    protected override EngineTarget Start(ServerBehaviour behaviour, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo)
    {
        var server = new LoopbackServer(behaviour, framing, transform);
        return new EngineTarget(server, server.EndPoint);
    }

    protected override LoadOptions OnEngine(LoadOptions options) => options;
}
