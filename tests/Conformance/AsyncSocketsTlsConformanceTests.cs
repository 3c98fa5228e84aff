using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class AsyncSocketsTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncSockets;
}
