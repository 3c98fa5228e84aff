using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Servers;

/// <summary>
/// The async model's receive pump ends its pipe half in a finally whatever the error: a receive failing with an
/// error that is not a reset (ETIMEDOUT from keep-alive) closes that connection, and the server keeps serving.
/// Before, only reset/aborted were caught: the session waited on its input forever and the pump's task faulted unobserved.
/// </summary>
public sealed class AsyncReceiveErrorTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Fact]
    public async Task A_non_reset_receive_error_closes_that_connection_and_others_are_served()
    {
        var injected = new SocketException((int)SocketError.TimedOut);
        var hooks = new ServerTestHooks
        {
            Received = (_, data) =>
            {
                if (data.Span.StartsWith("boom"u8))
                {
                    throw injected;
                }
            },
        };
        await using var server = await TestServers.StartAsync(ServerModel.Async, o => o with
        {
            TestHooks = hooks,
            // The hook is in the BCL-socket receive pump (SocketConnection); the epoll transport has its own.
            Transport = TransportKind.Sockets,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
        });
        await using var bystander = await server.ConnectAsync();
        await bystander.SendAsync("before\n");
        Assert.Equal("before", await bystander.ReadLineAsync(Timeout));

        await using (var victim = await server.ConnectAsync())
        {
            await victim.SendAsync("boom\n");
            var (rest, _) = await victim.ReceiveToEndAsync(Timeout);
            Assert.Empty(rest);
        }

        Assert.True(await server.WaitForAsync(m => m.Active == 1 && m.Failures == 1), $"counters: {server.Metrics.Snapshot()}");
        await bystander.SendAsync("after\n");
        Assert.Equal("after", await bystander.ReadLineAsync(Timeout));
        await using var next = await server.ConnectAsync();
        await next.SendAsync("next\n");
        Assert.Equal("next", await next.ReadLineAsync(Timeout));

        var warning = Assert.Single(server.Logs.AtLeast(LogLevel.Warning));
        Assert.Same(injected, warning.Exception);
    }
}
