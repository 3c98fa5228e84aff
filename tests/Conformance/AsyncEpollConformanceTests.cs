using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class AsyncEpollConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncEpoll;
}
