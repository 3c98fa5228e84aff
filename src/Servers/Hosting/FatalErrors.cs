namespace EchoServers.Servers.Hosting;

/// <summary>
/// Failures the process cannot serve through: a dedicated loop thread (event loop, epoll transport) that dies leaves
/// its listener or its connections served by nobody while the process looks alive. The loop reports it here and the
/// runner exits non-zero, so a supervisor (<c>--processes</c>, systemd) starts a fresh server.
/// </summary>
internal static class FatalErrors
{
    /// <summary>Raised on the failing thread; the runner subscribes for its lifetime.</summary>
    public static event Action<string, Exception>? Raised;

    public static void Report(string what, Exception exception) => Raised?.Invoke(what, exception);
}
