namespace EchoServers.Load.Bench;

/// <summary>A server the bench started, as the report records it.</summary>
public sealed record BenchServer
{
    public required string Model { get; init; }

    /// <summary>The server's <c>--work</c>, or null.</summary>
    public string? Work { get; init; }

    /// <summary>Started with <c>--tls</c>, for the TLS cells.</summary>
    public bool Tls { get; init; }

    /// <summary>Started fresh for one idle-memory reading (idle cells), then stopped.</summary>
    public bool Fresh { get; init; }

    public required string Command { get; init; }

    public int ProcessId { get; init; }

    public string? Address { get; init; }

    /// <summary>The CPUs the kernel allows it, read from /proc once it was ready.</summary>
    public string? CpusAllowed { get; init; }

    /// <summary>Why it could not start or died; null when all went well.</summary>
    public string? Error { get; init; }

    /// <summary>Exit code after the bench stopped it (SIGTERM); 143 means SIGTERM's default action ended it.</summary>
    public int? ExitCode { get; init; }

    public bool Killed { get; init; }

    /// <summary>Last output lines when something went wrong.</summary>
    public IReadOnlyList<string> LastOutput { get; init; } = [];
}
