using EchoServers.Load.Engine;
using EchoServers.Load.Engine.Tls;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Load.Tls;

namespace EchoServers.Tests.Load.Engines;

/// <summary>The engine cases on the TLS engine: the same in-test servers, behind a TLS front (<see cref="TlsFront"/>).</summary>
[Collection(nameof(TlsLoadCollection))]
public sealed class TlsEngineCases : EngineCases
{
    protected override string EngineName => TlsRunner.EngineName;

    protected override EngineTarget Start(ServerBehaviour behaviour, FramingKind framing = FramingKind.Raw, TransformKind transform = TransformKind.Echo)
    {
        var files = TestCertificates.Create();
        var server = new LoopbackServer(behaviour, framing, transform);
        var front = new TlsFront(server.EndPoint, files.Certificate);
        return new EngineTarget(server, front.EndPoint, front, files);
    }

    protected override LoadOptions OnEngine(LoadOptions options) => options with { Tls = new TlsClientOptions { Insecure = true } };
}
