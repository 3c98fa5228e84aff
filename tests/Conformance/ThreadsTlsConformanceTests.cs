using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class ThreadsTlsConformanceTests : TlsConformanceTests
{
    protected override ServerModel Model => ServerModel.Threads;
}
