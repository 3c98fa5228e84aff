using EchoServers.Protocol;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// The survival cases against the tests' own tiny server (the load tests' correct server and the fault proxy's
/// upstream): it must survive what the models survive. The models run these cases with their conformance suite.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class TinyEchoServerSurvivalTests : ServerSurvivalTests
{
    protected override async Task<SurvivingServer> StartSurvivorAsync(Func<ProtocolOptions, ProtocolOptions> protocol)
    {
        var server = new TinyEchoServer(new ServerOptions { Port = 0, StatsInterval = TimeSpan.Zero, Protocol = protocol(new ProtocolOptions()) });
        try
        {
            await server.StartAsync(TestContext.Current.CancellationToken).WaitAsync(EchoProbe.Timeout, TestContext.Current.CancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return new SurvivingServer(server.LocalEndPoint, server);
    }
}
