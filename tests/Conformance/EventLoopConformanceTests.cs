using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

public sealed class EventLoopConformanceTests : EchoServerConformanceTests
{
    protected override ServerModel Model => ServerModel.EventLoop;
}
