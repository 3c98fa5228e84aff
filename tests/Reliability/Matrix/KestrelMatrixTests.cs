using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class KestrelMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Kestrel;
}
