using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>The kestrel model on the project's epoll transport (its default on Linux); <see cref="KestrelSocketsMatrixTests"/> runs System.Net.Sockets.</summary>
public sealed class KestrelMatrixTests : ServerMatrixTests
{
    protected override ServerModel Model => ServerModel.Kestrel;

    protected override string ModelArgs => "--transport epoll";
}
