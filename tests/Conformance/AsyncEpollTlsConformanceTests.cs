using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>TLS is a connection layer over any transport: the async model's TLS on the project's epoll transport (its default on Linux).</summary>
public sealed class AsyncEpollTlsConformanceTests : TlsConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncEpoll;
}
