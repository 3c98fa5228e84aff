using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>The epoll transport's log lines.</summary>
internal static partial class EpollTransportLog
{
    [LoggerMessage(Level = LogLevel.Critical, Message = "epoll transport loop {Loop} crashed; its connections were aborted")]
    public static partial void LoopCrashed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "epoll transport loop {Loop}: {Call} failed with errno {Errno}")]
    public static partial void SyscallFailed(ILogger logger, int loop, int errno, string call);

    [LoggerMessage(Level = LogLevel.Error, Message = "epoll transport loop {Loop}: a posted continuation failed")]
    public static partial void PostedFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "epoll transport: accept4 failed {Count} times in the last second, last errno {Errno} (out of descriptors or memory); retrying every {DelayMs} ms")]
    public static partial void AcceptExhausted(ILogger logger, int count, int errno, int delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "epoll transport: a pending connection failed before it was accepted (errno {Errno}); accepting the next")]
    public static partial void AcceptedConnectionFailed(ILogger logger, int errno);
}
