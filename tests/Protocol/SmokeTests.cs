namespace EchoServers.Tests.Protocol;

public sealed class SmokeTests
{
    [Fact]
    public void Builds() => Assert.True(true);
}
