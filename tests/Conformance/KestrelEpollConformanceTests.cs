using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class KestrelEpollConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelEpoll;
}
