using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.EventLoop;

/// <summary>Source-generated log messages of the event-loop model. Nothing here is called per message.</summary>
internal static partial class EventLoopLog
{
    [LoggerMessage(1, LogLevel.Debug, "eventloop: {Loops} loop(s) accepting on {EndPoint}")]
    public static partial void Started(ILogger logger, int loops, string endPoint);

    [LoggerMessage(7, LogLevel.Error, "eventloop {Loop}: unexpected errno {Errno} from {Call}")]
    public static partial void SyscallFailed(ILogger logger, int loop, int errno, string call);

    [LoggerMessage(9, LogLevel.Critical, "eventloop {Loop} stopped by an unexpected error")]
    public static partial void LoopCrashed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "eventloop: drain timeout reached; closing {Count} connection(s)")]
    public static partial void DrainTimeout(ILogger logger, int count);

    [LoggerMessage(11, LogLevel.Debug, "eventloop {Loop}: aborting {Count} connection(s) that did not take their replies")]
    public static partial void Aborting(ILogger logger, int loop, int count);
}
