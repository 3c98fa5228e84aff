using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>
/// The heavy cases (10k connections, floods, soak) run only when <c>ECHO_FULL=1</c> (scripts/faults.sh --full):
/// in a plain <c>dotnet test</c> they are skipped, so CI stays within minutes.
/// </summary>
public static class FullMatrix
{
    public static bool Enabled => Environment.GetEnvironmentVariable("ECHO_FULL") == "1";

    public static void Require() => Assert.SkipUnless(Enabled, "full matrix only: set ECHO_FULL=1 (scripts/faults.sh --full)");

    /// <summary>Soak length: ECHO_SOAK_SECONDS (scripts/faults.sh --soak sets 600), 20 s by default.</summary>
    public static TimeSpan SoakDuration =>
        int.TryParse(Environment.GetEnvironmentVariable("ECHO_SOAK_SECONDS"), out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(20);

    /// <summary>Starts the real echo-server for <paramref name="model"/> as its own process (optionally under <c>ulimit -n</c>).</summary>
    public static ProcessEchoServer Server(ServerModel model, string args = "", int? fdLimit = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "echo-server.dll");
        var limit = fdLimit is { } n ? $"ulimit -n {n}; " : "";
        return ProcessEchoServer.FromShell($"{limit}exec dotnet {dll} --model {model.ToString().ToLowerInvariant()} --port 0 --framing line --stats-interval 1s {args}");
    }
}

/// <summary>The out-of-process matrix classes share the machine's fds and cores: never in parallel with each other.</summary>
[CollectionDefinition(nameof(ProcessMatrixCollection), DisableParallelization = true)]
public sealed class ProcessMatrixCollection;
