using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class EventLoopMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.EventLoop;
}
