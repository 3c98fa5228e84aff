using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class EventLoopConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.EventLoop;
}
