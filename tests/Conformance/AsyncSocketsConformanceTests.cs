using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class AsyncSocketsConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncSockets;
}
