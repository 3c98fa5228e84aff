using System.Globalization;

namespace EchoServers.Load.Reports;

/// <summary>Human-readable numbers for summaries and progress lines.</summary>
public static class Format
{
    /// <summary>Microseconds as <c>850us</c>, <c>1.25ms</c> or <c>2.1s</c>.</summary>
    public static string Us(double us) => us switch
    {
        < 1000 => $"{us.ToString("0", CultureInfo.InvariantCulture)}us",
        < 1_000_000 => $"{(us / 1000).ToString("0.##", CultureInfo.InvariantCulture)}ms",
        _ => $"{(us / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture)}s",
    };

    /// <summary>A count with thousands separators.</summary>
    public static string Count(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A rate with one decimal below 100 (fractional rates), none above.</summary>
    public static string Rate(double value) => value < 100
        ? value.ToString("0.##", CultureInfo.InvariantCulture)
        : value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Bytes per second as MiB/s or KiB/s.</summary>
    public static string Bytes(double perSecond) => perSecond >= 1024 * 1024
        ? $"{(perSecond / 1024 / 1024).ToString("0.#", CultureInfo.InvariantCulture)} MiB/s"
        : $"{(perSecond / 1024).ToString("0.#", CultureInfo.InvariantCulture)} KiB/s";
}
