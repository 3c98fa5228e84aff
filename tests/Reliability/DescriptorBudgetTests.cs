using EchoServers.Servers.Hosting.Cli;

namespace EchoServers.Tests.Reliability;

[Trait("Category", "Reliability")]
public sealed class DescriptorBudgetTests
{
    [Theory]
    [InlineData(10_000, 400L, 136)] // 400 − 200 − the 64 refusal slots
    [InlineData(10_000, 256L, 1)]
    [InlineData(10_000, 20_000L, 10_000)]
    [InlineData(50_000, 20_000L, 17_936)]
    [InlineData(10_000, 50L, 1)]
    public void Max_connections_keep_a_reserve_under_the_fd_limit(int requested, long limit, int expected) =>
        Assert.Equal(expected, DescriptorBudget.Clamp(requested, limit));

    [Fact]
    public void Unknown_limit_changes_nothing() => Assert.Equal(10_000, DescriptorBudget.Clamp(10_000, null));

    [Fact]
    public void Reads_this_process_limit_from_proc() => Assert.True(DescriptorBudget.OpenFileLimit() > 0);
}
