using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class EventLoopSurvivalTests() : ServerSurvivalTests(ModelServers.For(ServerModel.EventLoop));
