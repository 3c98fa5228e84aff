using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Reliability.Matrix;

public sealed class KestrelSocketsMatrixTests : ServerMatrixTests
{
    protected override ServerVariant Variant => ServerVariant.KestrelSockets;
}
