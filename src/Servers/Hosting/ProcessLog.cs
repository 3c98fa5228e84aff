using Microsoft.Extensions.Logging;

namespace EchoServers.Servers.Hosting;

/// <summary>
/// The lines the process logs about its own lifetime (listening, start-up warnings, stopping, stopped), whether it
/// serves connections itself or supervises worker processes: one place, so that both say "stopped" the same way.
/// </summary>
internal static partial class ProcessLog
{
    // One serving process.
    [LoggerMessage(Level = LogLevel.Information, Message = "listening on {EndPoint} (model {Model}, framing {Framing}, transform {Transform})")]
    public static partial void Listening(ILogger logger, System.Net.IPEndPoint endPoint, string model, string framing, string transform);

    [LoggerMessage(Level = LogLevel.Information, Message = "transport {Transport} (loops {Loops}; 0 = System.Net.Sockets)")]
    public static partial void Transport(ILogger logger, string transport, int loops);

    [LoggerMessage(Level = LogLevel.Information, Message = "tls 1.2/1.3: certificate {Subject} ({Names}), {Source}, valid until {NotAfter}, handshake deadline {Deadline}, SHA-256 fingerprint {Fingerprint}")]
    public static partial void Tls(ILogger logger, string subject, string names, string source, string notAfter, string deadline, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Signal}: stopping; {Active} connections may finish within {Drain}")]
    public static partial void Stopping(ILogger logger, string signal, string drain, long active);

    [LoggerMessage(Level = LogLevel.Warning, Message = "--max-connections {Requested} lowered to {Allowed}: the open-file limit is {Limit} and the runtime needs a reserve (raise it with ulimit -n)")]
    public static partial void DescriptorBudget(ILogger logger, int requested, int allowed, long limit);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{What} crashed: stopping and exiting with code {ExitCode} so that a supervisor restarts the server")]
    public static partial void Crashed(ILogger logger, string what, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void KeyPermissions(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);

    // The supervisor of --processes N.
    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    public static partial void GroupListening(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker {Index} (pid {Pid}) died with {Exit}; restarting in {Delay:0.0} s (restart {Restarts})")]
    public static partial void Restart(ILogger logger, int index, int pid, string exit, double delay, int restarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker {Index} (pid {Pid}) hung: no report for {Silence:0.#} s; killed, restarting in {Delay:0.0} s (restart {Restarts})")]
    public static partial void HungRestart(ILogger logger, int index, int pid, double silence, double delay, int restarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker {Index} could not be restarted: {Error}; retrying in {Delay:0.0} s")]
    public static partial void StartFailed(ILogger logger, int index, string error, double delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker {Index} (pid {Pid}) did not exit within {Deadline} of the stop; killed")]
    public static partial void Killed(ILogger logger, int index, int pid, string deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Signal}: stopping {Processes} workers; their connections may finish within {Drain}")]
    public static partial void WorkersStopping(ILogger logger, string signal, int processes, string drain);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Failures} of {Processes} workers did not exit cleanly")]
    public static partial void WorkersFailed(ILogger logger, int failures, int processes);
}
