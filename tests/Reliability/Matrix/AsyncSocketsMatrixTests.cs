using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>The async model on System.Net.Sockets (its default on Linux is the epoll transport, which <see cref="AsyncMatrixTests"/> runs).</summary>
public sealed class AsyncSocketsMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Async;

    protected override string ModelArgs => "--transport sockets";
}
