using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class AsyncEpollMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.AsyncEpoll;
}
