using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class KestrelSocketsTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelSockets;
}
