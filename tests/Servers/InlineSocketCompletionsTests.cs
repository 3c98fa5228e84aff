using EchoServers.Protocol;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Servers;

/// <summary>Which runs put socket continuations on the epoll thread: the pipe models, and only without simulated work.</summary>
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
}
