namespace EchoServers.Protocol.Work;

/// <summary>The kind of simulated work done per message.</summary>
public enum WorkKind
{
    /// <summary>No work: echo at once.</summary>
    None,

    /// <summary>A busy loop: CPU-bound work, like parsing or hashing.</summary>
    Cpu,

    /// <summary>A wait: IO-bound work, like a database call.</summary>
    Io,
}
