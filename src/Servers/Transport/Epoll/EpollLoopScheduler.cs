using System.IO.Pipelines;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The pipes' view of an <see cref="EpollLoop"/>: a continuation scheduled from the loop thread runs at once (the
/// session's flush sends in the same call, like <see cref="PipeScheduler.Inline"/>); from any other thread (the
/// thread pool with <c>--work</c>, a timer) it is queued to the loop, so socket calls never leave the loop thread.
/// </summary>
internal sealed class EpollLoopScheduler(EpollLoop loop) : PipeScheduler
{
    public override void Schedule(Action<object?> action, object? state)
    {
        if (loop.IsLoopThread)
        {
            action(state);
        }
        else
        {
            loop.Post(action, state);
        }
    }
}
