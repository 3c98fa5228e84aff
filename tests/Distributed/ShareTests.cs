using System.Net;
using EchoServers.Load.Distributed;
using EchoServers.Load.Engine;
using EchoServers.Load.Simulations;

namespace EchoServers.Tests.Distributed;

/// <summary><c>--share i/N</c>: the shares of a load sum exactly to the whole, and never share a source address.</summary>
public sealed class ShareTests
{
    [Theory]
    [InlineData(100_000, 6, 20_000.0)]
    [InlineData(101, 2, 1000.0)]
    [InlineData(7, 7, 0.5)]
    public void OpenModelSharesSumToTheWhole(int connections, int count, double rate)
    {
        var whole = new LoadOptions { Target = new IPEndPoint(IPAddress.Loopback, 1), Connections = connections, Rate = rate };
        var shares = Enumerable.Range(1, count).Select(i => new Share(i, count).Apply(whole)).ToList();

        Assert.Equal(connections, shares.Sum(s => s.Connections));
        Assert.Equal(rate, shares.Sum(s => s.Rate!.Value), 9);
        Assert.InRange(shares.Max(s => s.Connections) - shares.Min(s => s.Connections), 0, 1);

        // Every share the same rate per connection as the whole.
        Assert.All(shares, s => Assert.Equal(rate / connections, s.Rate!.Value / s.Connections, 12));

        // Own loopback sources, enough ports for each, none shared.
        var sources = shares.SelectMany(s => s.SourceAddresses!).ToList();
        Assert.Equal(sources.Count, sources.Distinct().Count());
        Assert.All(shares, s => Assert.True(s.SourceAddresses!.Count * Preflight.PerSourceAddress >= s.Connections));
    }

    [Fact]
    public void ClosedModelLevelsSplitLikeConnections()
    {
        var whole = new LoadOptions
        {
            Target = new IPEndPoint(IPAddress.Loopback, 1),
            Steps = [new LoadStep(LoadStepKind.RampingConstant, 10, 1001, TimeSpan.FromSeconds(5)), new LoadStep(LoadStepKind.KeepConstant, 1001, 1001, TimeSpan.FromSeconds(5))],
        };
        var shares = Enumerable.Range(1, 3).Select(i => new Share(i, 3).Apply(whole)).ToList();
        Assert.Equal(1001, shares.Sum(s => s.ConnectionsToOpen(s.BuildProfile())));
        Assert.Equal(10, shares.Sum(s => s.Steps![0].From));
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void BadSharesAreRefused(string text) => Assert.False(Share.TryParse(text, out _, out _));
}
