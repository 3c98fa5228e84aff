namespace EchoServers.Client;

/// <summary>Process exit codes, so scripts can tell a usage mistake from a network failure.</summary>
internal static class ExitCodes
{
    /// <summary>Everything sent got its reply, or the user left with /quit, Ctrl+D or Ctrl+C.</summary>
    public const int Ok = 0;

    /// <summary>Cannot connect, the server closed or broke the connection, a reply was too large, or replies timed out.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C or SIGTERM) in pipe mode, 128 + SIGINT as shells report it.</summary>
    public const int Interrupted = 130;
}
