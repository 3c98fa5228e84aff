using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class AsyncSocketsTlsConformanceTests : TlsConformanceTests
{
    protected override ServerModel Model => ServerModel.Async;

    protected override ServerOptions Configure(ServerOptions options) => options with { Transport = TransportKind.Sockets };
}
