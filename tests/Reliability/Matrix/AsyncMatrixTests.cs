using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class AsyncMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Async;
}
