using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class ThreadsConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.Threads;
}
