using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class EventLoopMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.EventLoop;
}
