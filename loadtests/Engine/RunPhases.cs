using System.Globalization;
using EchoServers.Load.Simulations;

namespace EchoServers.Load.Engine;

/// <summary>
/// What a run says about its phases, whichever engine runs it: the lines of the connect, warm-up, measure and drain
/// phases, the warnings of a connect phase that fell short, and the one-line reason when no connection opened.
/// </summary>
internal static class RunPhases
{
    /// <summary><paramref name="format"/> filled with --connect-rate, or nothing when connects are not paced.</summary>
    public static string ConnectRateText(LoadOptions options, string format) => options.ConnectRate > 0
        ? string.Format(CultureInfo.InvariantCulture, format, options.ConnectRate.ToString(CultureInfo.InvariantCulture))
        : string.Empty;

    /// <summary>The load began: warm-up first when there is one, else the measured steps.</summary>
    public static void AnnounceLoad(LoadProfile profile, IProgressSink progress) =>
        progress.OnPhase(profile.WarmupSeconds > 0 ? "warmup" : "measure", profile.WarmupSeconds > 0
            ? $"{profile.WarmupSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s, not counted"
            : string.Join(", ", profile.Steps));

    /// <summary>The drain phase: waits (bounded) for the workers to take in or give up their outstanding replies.</summary>
    public static async Task DrainAsync(LoadOptions options, IProgressSink progress, Task workers, TimeSpan slack)
    {
        progress.OnPhase("drain", $"waiting up to {options.DrainTimeout.TotalSeconds:0.#}s for outstanding replies");
        await workers.WaitAsync(options.DrainTimeout + slack, CancellationToken.None);
        progress.OnFinished();
    }

    /// <summary>
    /// Warns of the connections that failed, and of those never attempted before the measured window ended;
    /// <c>kind</c> names the connections, with a trailing space (<c>"TLS "</c>), or is empty.
    /// </summary>
    public static void WarnConnectPhase(List<string> warnings, IProgressSink progress, int count, int failed, string? firstError, int notAttempted, string kind)
    {
        if (failed > 0)
        {
            Warn(warnings, progress, $"{failed} of {count} {kind}connections failed: {firstError}");
        }

        if (notAttempted > 0)
        {
            Warn(warnings, progress, $"{notAttempted} of {count} connections were not attempted before the measured window ended: "
                + "lengthen --duration or --warmup, or raise --connect-rate");
        }
    }

    /// <summary>The run cannot start: not one connection opened.</summary>
    public static LoadSetupException NoConnection(LoadOptions options, string? firstError, string kind) =>
        new($"no {kind}connection to {options.Target} could be established: {firstError}");

    private static void Warn(List<string> warnings, IProgressSink progress, string message)
    {
        warnings.Add(message);
        progress.OnWarning(message);
    }
}
