using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class PoolMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.Pool;
}
