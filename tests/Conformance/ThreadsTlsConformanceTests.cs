using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class ThreadsTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.Threads;
}
