using EchoServers.Linux;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Transport;

/// <summary>
/// accept4 hands back a pending connection's own network error (ECONNABORTED, EPROTO, ENETUNREACH, EPERM, …); that
/// costs the one connection, never the listener. Loopback cannot provoke them, so the errno is injected.
/// </summary>
public sealed class EpollAcceptErrorTests
{
    public static readonly TheoryData<ServerModel, int> Cases = new()
    {
        { ServerModel.Async, Errno.EPROTO },
        { ServerModel.Async, Errno.ENETUNREACH },
        { ServerModel.Async, Errno.EPERM },
        { ServerModel.Kestrel, Errno.ECONNABORTED },
        { ServerModel.Kestrel, Errno.EPROTO },
        { ServerModel.EventLoop, Errno.EPROTO },
        { ServerModel.EventLoop, Errno.EPERM },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_failed_pending_connection_costs_that_connection_and_accepting_goes_on(ServerModel model, int errno)
    {
        // The first two accepts fail as if their connections had failed in the backlog; later ones are real.
        var calls = 0;
        var hooks = new ServerTestHooks { AcceptErrno = () => Interlocked.Increment(ref calls) <= 2 ? errno : 0 };
        await using var server = await TestServers.StartAsync(model, o => model == ServerModel.EventLoop
            ? o with { TestHooks = hooks }
            : o with { Transport = TransportKind.Epoll, TestHooks = hooks });

        var message = Payloads.Random(4096, seed: errno);
        for (var i = 0; i < 3; i++)
        {
            await using var client = await server.ConnectAsync();
            await client.SendAsync(message);
            Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
        }

        Assert.True(Volatile.Read(ref calls) > 2, "the injected failures were never taken");
        if (model == ServerModel.EventLoop)
        {
            // Counted as a reset of that connection, not as a failure of the listener (which pauses accepting).
            Assert.True(await server.WaitForAsync(s => s.Resets >= 2), $"resets: {server.Metrics.Snapshot().Resets}");
        }
    }
}
