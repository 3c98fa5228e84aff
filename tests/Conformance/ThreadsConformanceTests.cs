using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class ThreadsConformanceTests : EchoServerConformanceTests
{
    protected override ServerModel Model => ServerModel.Threads;
}
