using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class ThreadsMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Threads;
}
