using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>The kestrel model on System.Net.Sockets (its default on Linux is the epoll transport, which <see cref="KestrelMatrixTests"/> runs).</summary>
public sealed class KestrelSocketsMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Kestrel;

    protected override string ModelArgs => "--transport sockets";
}
