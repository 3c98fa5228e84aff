using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class KestrelSocketsConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelSockets;
}
