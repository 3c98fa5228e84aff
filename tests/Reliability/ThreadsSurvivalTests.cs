using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class ThreadsSurvivalTests() : ServerSurvivalTests(ModelServers.For(ServerModel.Threads));
