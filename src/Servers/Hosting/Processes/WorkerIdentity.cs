namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// What makes an <c>echo-server</c> process a worker of <c>--processes N</c>: two environment variables set by the
/// supervisor (the worker's number and the port the supervisor reserved). Environment rather than a hidden flag:
/// the worker's command line stays the user's, minus <c>--processes</c>, and <c>ps</c> shows what the user typed.
/// </summary>
internal sealed record WorkerIdentity(int Index, int Port)
{
    /// <summary>The worker's number, 1..N.</summary>
    public const string IndexVariable = "ECHO_SERVER_WORKER";

    /// <summary>The port every worker binds with SO_REUSEPORT.</summary>
    public const string PortVariable = "ECHO_SERVER_WORKER_PORT";

    /// <summary>This process's identity when a supervisor started it; null otherwise.</summary>
    public static WorkerIdentity? Current { get; } = FromEnvironment();

    /// <summary>The options of this worker: the supervisor's port, shared with SO_REUSEPORT.</summary>
    public ServerOptions Apply(ServerOptions options) => options with { Port = Port, ReusePort = true };

    private static WorkerIdentity? FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(IndexVariable), out var index) && index > 0
        && int.TryParse(Environment.GetEnvironmentVariable(PortVariable), out var port) && port is > 0 and <= 65535
            ? new WorkerIdentity(index, port)
            : null;
}
