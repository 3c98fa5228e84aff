namespace EchoServers.Servers.Hosting;

/// <summary>
/// Runs socket continuations on the runtime's epoll thread instead of queueing each one to the thread pool, for the
/// pipe models (async, Kestrel) when no work is simulated. One thread-pool hop per receive is most of the gap between
/// a .NET socket loop and the C server (docs/performance.md). The runtime reads
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> once, in the static constructor of its socket engine (first
/// asynchronous socket operation), through <see cref="Environment.GetEnvironmentVariable(string)"/>, which sees this
/// process's own environment block: setting it here, before any socket exists, is enough. There is no AppContext
/// switch for it.
/// <para>
/// Only safe when nothing on the completion path blocks: the epoll thread runs the receive pump, the session (the
/// pipes' Inline scheduler) and the send. With <c>--work</c> the session may spin for a while, so the pipes use the
/// thread pool and completions stay off the epoll thread (a busy session there would stall every other connection).
/// The same with <c>--tls</c>: each handshake is public-key work (hundreds of microseconds) that would run on the
/// epoll thread, in turn, while every other connection's events wait. An explicit setting in the environment (e.g.
/// <c>=0</c>) wins.
/// </para>
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether <paramref name="options"/> want inline completions (pipe model, no simulated work, no TLS).</summary>
    public static bool Wanted(ServerOptions options) =>
        options.Model is ServerModel.Async or ServerModel.Kestrel && options.Protocol.Work.IsNone && options.Tls is null;

    /// <summary>Turns inline completions on for this process when wanted and not set explicitly; call before any socket.</summary>
    public static void ApplyFor(ServerOptions options)
    {
        if (Wanted(options) && Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
