using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class PoolSurvivalTests() : ServerSurvivalTests(ModelServers.For(ServerModel.Pool));
