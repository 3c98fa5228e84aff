using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>Source-generated log messages of the event-loop model. Nothing here is called per message.</summary>
internal static partial class EventLoopLog
{
    [LoggerMessage(1, LogLevel.Debug, "eventloop: {Loops} loop(s) accepting on {EndPoint}")]
    public static partial void Started(ILogger logger, int loops, string endPoint);

    [LoggerMessage(2, LogLevel.Warning, "protocol error from {Peer}: {Reason}; closing that connection{Suppressed}")]
    public static partial void ProtocolError(ILogger logger, string peer, string reason, string suppressed);

    [LoggerMessage(3, LogLevel.Debug, "connection {Peer} {What} (errno {Errno})")]
    public static partial void PeerGone(ILogger logger, string peer, string what, int errno);

    [LoggerMessage(4, LogLevel.Warning, "accept failed (errno {Errno}): out of descriptors or memory; pausing accepts for {PauseMs} ms{Suppressed}")]
    public static partial void AcceptExhausted(ILogger logger, int errno, int pauseMs, string suppressed);

    [LoggerMessage(5, LogLevel.Warning, "connection refused: {Reason}{Suppressed}")]
    public static partial void Rejected(ILogger logger, string reason, string suppressed);

    [LoggerMessage(6, LogLevel.Debug, "connection {Peer} idle for {IdleMs} ms; closing")]
    public static partial void IdleClosed(ILogger logger, string peer, long idleMs);

    [LoggerMessage(7, LogLevel.Error, "eventloop {Loop}: unexpected errno {Errno} from {Call}")]
    public static partial void SyscallFailed(ILogger logger, int loop, int errno, string call);

    [LoggerMessage(8, LogLevel.Error, "eventloop {Loop}: connection handler failed; closing that connection")]
    public static partial void ConnectionFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(9, LogLevel.Critical, "eventloop {Loop} stopped by an unexpected error")]
    public static partial void LoopCrashed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "eventloop: drain timeout reached; closing {Count} connection(s)")]
    public static partial void DrainTimeout(ILogger logger, int count);

    [LoggerMessage(11, LogLevel.Debug, "eventloop {Loop}: aborting {Count} connection(s) that did not take their replies")]
    public static partial void Aborting(ILogger logger, int loop, int count);
}
