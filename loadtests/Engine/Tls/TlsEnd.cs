namespace EchoServers.Load.Engine.Tls;

/// <summary>Why one TLS connection of a slot ended; the first reason set wins, and decides what is counted.</summary>
internal enum TlsEnd
{
    /// <summary>Still running.</summary>
    None,

    /// <summary>The load is over and every reply is in.</summary>
    Finished,

    /// <summary>Churn: the connection did its share (messages or lifetime); a new one takes the slot.</summary>
    Planned,

    /// <summary>The drain deadline passed with replies outstanding: they are missing.</summary>
    Drained,

    /// <summary>The run was torn down (cancellation).</summary>
    Aborted,

    /// <summary>The oldest outstanding reply is later than <c>--timeout</c>.</summary>
    Timeout,

    /// <summary>A malformed or oversized frame: the stream cannot be resynchronised.</summary>
    Mismatch,

    /// <summary>The server closed the connection.</summary>
    Eof,

    /// <summary>Reset, or any other I/O error of the TLS stream.</summary>
    Reset,

    /// <summary>Churn: the server turned the connection away (its <c>ERROR:</c> line or a close) before any reply.</summary>
    Refused,
}
