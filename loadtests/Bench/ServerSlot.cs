namespace EchoServers.Load.Bench;

/// <summary>A server of one row, one <c>--work</c> and plain TCP or <c>--tls</c>, started on first use and kept for the whole bench.</summary>
internal sealed class ServerSlot(BenchModel model, string? work, ServerProcess process, bool tls = false)
{
    public BenchModel Model { get; } = model;

    public string? Work { get; } = work;

    /// <summary>Started with <c>--tls</c> (for the TLS cells).</summary>
    public bool Tls { get; } = tls;

    /// <summary>Worker processes (<c>--processes</c>); 1 = one process.</summary>
    public int Processes { get; init; } = 1;

    public ServerProcess Process { get; } = process;

    /// <summary>Why it cannot be used (did not start, died); null while it is fine.</summary>
    public string? Error { get; set; }

    public string? CpusAllowed { get; set; }

    /// <summary>Started fresh for one idle-memory reading, then stopped.</summary>
    public bool Fresh { get; set; }

    /// <summary>The reference's port, chosen free before its command was built; null for our models (they log theirs).</summary>
    public int? ReferencePort { get; init; }

    public BenchServer ToRecord() => new()
    {
        Model = Model.Label,
        Work = Work,
        Tls = Tls,
        Fresh = Fresh,
        Command = Process.CommandText,
        ProcessId = Process.ProcessId,
        Address = Process.EndPoint?.ToString(),
        CpusAllowed = CpusAllowed,
        Error = Error,
        ExitCode = Process.ExitCode,
        Killed = Process.Killed,
        LastOutput = Error is not null || Process.Killed || (Model.Model is not null && Process.ExitCode is not (null or 0)) ? Process.LastOutput : [],
    };
}
