using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class KestrelTlsConformanceTests : TlsConformanceTests
{
    protected override ServerModel Model => ServerModel.Kestrel;

    protected override ServerOptions Configure(ServerOptions options) => options with { Transport = TransportKind.Sockets };
}
