using System.Globalization;

namespace EchoServers.Protocol.Text;

/// <summary>
/// Parses and prints durations as people type them: <c>50us</c>, <c>5ms</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>, <c>250ns</c>.
/// A bare number is rejected: a duration without a unit is ambiguous.
/// </summary>
public static class DurationText
{
    private static readonly (string Suffix, double TicksPerUnit)[] Units =
    [
        ("ns", TimeSpan.TicksPerMicrosecond / 1000.0),
        ("us", TimeSpan.TicksPerMicrosecond),
        ("µs", TimeSpan.TicksPerMicrosecond),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    /// <summary>What a duration looks like, for error messages.</summary>
    public const string Examples = "e.g. 500ms, 10s, 2m";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says, in one line, what is wrong.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = default;
        var trimmed = text?.Trim() ?? string.Empty;

        // Longest suffix first, so "ms" wins over "s" and "m".
        foreach (var (suffix, ticksPerUnit) in Units.OrderByDescending(u => u.Suffix.Length))
        {
            if (trimmed.Length == 0 || !trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var number = trimmed[..^suffix.Length];
            if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                || double.IsInfinity(amount))
            {
                break;
            }

            var ticks = amount * ticksPerUnit;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                error = $"'{trimmed}' is too long a duration";
                return false;
            }

            value = TimeSpan.FromTicks((long)Math.Round(ticks));
            error = string.Empty;
            return true;
        }

        error = double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $"'{trimmed}' is not a duration: it has no unit (ns, us, ms, s, m or h; {Examples})"
            : $"'{trimmed}' is not a duration ({Examples})";
        return false;
    }

    /// <summary>As <see cref="TryParse"/>, and above zero.</summary>
    public static bool TryParsePositive(string? text, out TimeSpan value, out string error)
    {
        if (!TryParse(text, out value, out error))
        {
            return false;
        }

        if (value <= TimeSpan.Zero)
        {
            error = $"'{text?.Trim()}' is not a positive duration ({Examples})";
            return false;
        }

        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> naming the bad part.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Prints a duration in the largest unit that keeps it readable: <c>50us</c>, <c>1.5ms</c>, <c>2s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        var us = value.Ticks / (double)TimeSpan.TicksPerMicrosecond;
        return us switch
        {
            < 1000 => $"{us.ToString("0.##", CultureInfo.InvariantCulture)}us",
            < 1_000_000 => $"{(us / 1000).ToString("0.##", CultureInfo.InvariantCulture)}ms",
            _ => $"{(us / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture)}s",
        };
    }
}
