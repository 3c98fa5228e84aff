using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class AsyncSocketsMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncSockets;
}
