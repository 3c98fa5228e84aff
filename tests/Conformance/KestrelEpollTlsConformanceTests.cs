using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>Kestrel's TLS middleware is transport-agnostic: the same suite on the project's epoll transport.</summary>
public sealed class KestrelEpollTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelEpoll;
}
