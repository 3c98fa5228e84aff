using System.Net;
using EchoServers.Load.Engine;

namespace EchoServers.Tests.Load;

public sealed class PreflightTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 1688);

    [Fact]
    public void Few_connections_need_no_source_addresses()
    {
        var warnings = new List<string>();
        Assert.Empty(Preflight.SourceAddresses(Loopback, 10_000, 28_232, warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Beyond_one_address_connections_spread_over_127_0_0_x()
    {
        var warnings = new List<string>();
        var sources = Preflight.SourceAddresses(Loopback, 60_000, 28_232, warnings);
        // 28,232 ports leave 27,232 per address after a margin of 1,000 → 3 addresses.
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3")], sources);
        Assert.Contains("127.0.0.1-127.0.0.3", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_connections_to_a_non_127_target_is_refused_with_the_fix()
    {
        var ex = Assert.Throws<LoadSetupException>(() =>
            Preflight.SourceAddresses(new IPEndPoint(IPAddress.IPv6Loopback, 1), 40_000, 28_232, []));
        Assert.Contains("ip_local_port_range", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("127.8.9.10", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("192.168.1.5", false, false)]
    [InlineData("192.168.1.5", true, true)]
    [InlineData("10.0.0.1", true, true)]
    [InlineData("172.20.0.1", true, true)]
    [InlineData("172.32.0.1", true, false)]
    [InlineData("8.8.8.8", true, false)]
    [InlineData("fd00::1", true, true)]
    [InlineData("2001:db8::1", true, false)]
    public void Only_loopback_or_an_allowed_test_network_may_be_loaded(string address, bool allowPrivate, bool allowed)
    {
        var refusal = TargetPolicy.Refusal(IPAddress.Parse(address), allowPrivate);
        Assert.Equal(allowed, refusal is null);
        if (refusal is not null)
        {
            Assert.StartsWith($"refusing to load {IPAddress.Parse(address)}", refusal, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:1688", true)]
    [InlineData("localhost:7", true)]
    [InlineData("[::1]:7", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:0", false)]
    [InlineData("somewhere:80", false)]
    public void Target_parsing(string text, bool ok) => Assert.Equal(ok, TargetPolicy.TryParse(text, out _, out _));
}
