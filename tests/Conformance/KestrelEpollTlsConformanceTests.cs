using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

/// <summary>Kestrel's TLS middleware is transport-agnostic: the same suite on the project's epoll transport.</summary>
public sealed class KestrelEpollTlsConformanceTests : TlsConformanceTests
{
    protected override ServerModel Model => ServerModel.Kestrel;

    protected override ServerOptions Configure(ServerOptions options) => options with { Transport = TransportKind.Epoll };
}
