using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

public sealed class PoolTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.Pool;
}
