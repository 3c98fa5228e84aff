using System.Globalization;

namespace EchoServers.Load.Distributed;

/// <summary>
/// <c>--start-at &lt;UTC time&gt;</c>: every share opens its connections first, then waits for this moment to begin
/// warm-up and measurement, so the shares' measured windows (and per-second rows) line up across machines whose
/// clocks are synchronised (NTP). A share still connecting at that time starts late and says so.
/// </summary>
public static class StartAt
{
    public static bool TryParse(string text, out DateTime utc, out string error)
    {
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc))
        {
            error = string.Empty;
            return true;
        }

        error = $"--start-at '{text}' is not a UTC time like 2026-12-02T18:00:00Z or 18:00:00";
        return false;
    }

    /// <summary>A start gate that waits until <paramref name="utc"/>, warning through <paramref name="warn"/> when already past.</summary>
    public static Func<CancellationToken, Task> Gate(DateTime utc, Action<string> warn) => async cancellationToken =>
    {
        var wait = utc - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
        else
        {
            warn($"connected {-wait.TotalSeconds:0.###} s after --start-at {utc:HH:mm:ss.fff}Z: this share started late");
        }
    };
}
