using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Conformance;

/// <summary>The threads model with <c>--spare-threads 0</c>: one accept thread starting a thread per connection.</summary>
public sealed class ThreadsAcceptLoopConformanceTests : EchoServerConformanceTests
{
    protected override ServerModel Model => ServerModel.Threads;

    protected override ServerOptions Configure(ServerOptions options) => options with { SpareThreads = 0 };
}
