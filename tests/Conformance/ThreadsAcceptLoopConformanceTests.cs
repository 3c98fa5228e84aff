using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>The threads model's first step (<c>--spare-threads 0</c>): one accept thread starting a thread per connection.</summary>
public sealed class ThreadsAcceptLoopConformanceTests : EchoServerConformanceTests
{
    protected override ServerVariant Variant => ServerVariant.ThreadsAcceptLoop;
}
