using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class KestrelSurvivalTests() : ServerSurvivalTests(ModelServers.For(ServerModel.Kestrel));
