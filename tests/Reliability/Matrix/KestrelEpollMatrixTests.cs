using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class KestrelEpollMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelEpoll;
}
