using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class AsyncSurvivalTests() : ServerSurvivalTests(ModelServers.For(ServerModel.Async));
