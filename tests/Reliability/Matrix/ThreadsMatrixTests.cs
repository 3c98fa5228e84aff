using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class ThreadsMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.Threads;
}
