using System.Net;
using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Servers;

/// <summary>
/// Which runs put socket continuations on the epoll thread (the pipe models, and only without simulated work), and
/// that the switch does what it says in the process that has it.
/// </summary>
public sealed class InlineSocketCompletionsTests
{
    [Theory]
    [InlineData(ServerModel.Async, "none", true)]
    [InlineData(ServerModel.Kestrel, "none", true)]
    [InlineData(ServerModel.Async, "cpu:50us", false)]
    [InlineData(ServerModel.Kestrel, "io:5ms", false)]
    [InlineData(ServerModel.EventLoop, "none", false)]
    [InlineData(ServerModel.Threads, "none", false)]
    [InlineData(ServerModel.Pool, "none", false)]
    public void Wanted_only_for_pipe_models_without_work(ServerModel model, string work, bool expected)
    {
        var options = new ServerOptions { Model = model, Protocol = new ProtocolOptions { Work = WorkSpec.Parse(work) } };
        Assert.Equal(expected, InlineSocketCompletions.Wanted(options));
    }

    [Theory]
    [InlineData(ServerModel.Async)]
    [InlineData(ServerModel.Kestrel)]
    public void Not_wanted_under_tls_where_handshakes_would_run_on_the_epoll_thread(ServerModel model)
    {
        var options = new ServerOptions { Model = model, Tls = new EchoServers.Servers.Connections.Tls.TlsOptions() };
        Assert.False(InlineSocketCompletions.Wanted(options));
    }

    /// <summary>
    /// Run both in the ordinary test process (switch off: continuations queued to the thread pool) and in the one
    /// <see cref="Conformance.InlineCompletionsConformanceTests"/> starts with the switch on (continuations run on
    /// the runtime's epoll thread, which is not a pool thread): proof that the conformance run there had it on.
    /// </summary>
    [Fact]
    public async Task Socket_continuations_leave_the_thread_pool_exactly_when_inline_completions_are_on()
    {
        var inline = Environment.GetEnvironmentVariable(InlineSocketCompletions.Variable) == "1";
        var timeout = TimeSpan.FromSeconds(10);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken).AsTask().WaitAsync(timeout, TestContext.Current.CancellationToken);
        using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(timeout, TestContext.Current.CancellationToken);

        // The receive is pending before the byte is sent, so it completes from epoll, not synchronously here.
        var onPoolThread = ReceiveThenReportThreadAsync(accepted);
        Assert.False(onPoolThread.IsCompleted, "the receive completed before anything was sent");
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None, TestContext.Current.CancellationToken);

        Assert.Equal(!inline, await onPoolThread.WaitAsync(timeout, TestContext.Current.CancellationToken));
    }

    private static async Task<bool> ReceiveThenReportThreadAsync(Socket socket)
    {
        // ConfigureAwait(false): the continuation runs wherever the socket engine completes it, not on a test context.
        await socket.ReceiveAsync(new byte[1], SocketFlags.None).ConfigureAwait(false);
        return Thread.CurrentThread.IsThreadPoolThread;
    }
}
