using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class PoolMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Pool;
}
