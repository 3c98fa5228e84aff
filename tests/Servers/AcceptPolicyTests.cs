using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Servers;

/// <summary>
/// A failure on one accepted socket (a socket option throwing on a peer that already reset) costs that socket only:
/// it is closed, logged once with its exception, and the next client is served. Before the shared
/// <see cref="AcceptPolicy"/>, it ended accepting in async and killed the process in threads and pool.
/// </summary>
public sealed class AcceptPolicyTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    [Theory]
    [InlineData(ServerModel.Async)]
    [InlineData(ServerModel.Threads)]
    [InlineData(ServerModel.Pool)]
    public async Task A_socket_that_fails_to_configure_is_closed_and_logged_and_the_next_client_is_served(ServerModel model)
    {
        var injected = new SocketException((int)SocketError.InvalidArgument);
        var calls = 0;
        var hooks = new ServerTestHooks
        {
            AcceptedSocketConfigured = _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw injected;
                }
            },
        };
        await using var server = await TestServers.StartAsync(model, o => o with
        {
            TestHooks = hooks,
            // The accept policy (and its hook) is the BCL-socket accept path; the epoll transport accepts on its own.
            Transport = TransportKind.Sockets,
            MaxConnections = 1,
            Protocol = o.Protocol with { Framing = FramingKind.Line },
        });

        await using (var victim = await server.ConnectAsync())
        {
            var (rest, _) = await victim.ReceiveToEndAsync(Timeout);
            Assert.Empty(rest);
        }

        // With --max-connections 1, being served also proves the failed socket gave its slot back.
        await using var next = await server.ConnectAsync();
        await next.SendAsync("still accepting\n");
        Assert.Equal("still accepting", await next.ReadLineAsync(Timeout));

        Assert.True(await server.WaitForAsync(m => m.Failures == 1 && m.Accepted == 1), $"counters: {server.Metrics.Snapshot()}");
        var warning = Assert.Single(server.Logs.AtLeast(LogLevel.Warning));
        Assert.Equal("EchoServers.Connections", warning.Category);
        Assert.Same(injected, warning.Exception);
        Assert.Matches(@"^connection 127\.0\.0\.1:\d+ failed unexpectedly; closed$", warning.Message);
    }
}
