using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>The async model on the project's epoll transport (its default on Linux); <see cref="AsyncSocketsMatrixTests"/> runs System.Net.Sockets.</summary>
public sealed class AsyncMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Async;

    protected override string ModelArgs => "--transport epoll";
}
