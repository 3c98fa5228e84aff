using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class PoolTlsConformanceTests : TlsConformanceTests
{
    protected override ServerModel Model => ServerModel.Pool;

    // The handshake runs on the worker: enough of them for the tests' concurrent clients.
    protected override ServerOptions Configure(ServerOptions options) => options with { Workers = 8 };
}
