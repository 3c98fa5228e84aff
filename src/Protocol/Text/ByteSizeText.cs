using System.Globalization;

namespace EchoServers.Protocol.Text;

/// <summary>Parses byte sizes: <c>65536</c>, <c>64KiB</c>, <c>64k</c>, <c>1MiB</c>, <c>1m</c>. Binary units throughout (k = 1024).</summary>
public static class ByteSizeText
{
    private static readonly (string Suffix, long Multiplier)[] Units =
    [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024L * 1024 * 1024),
        ("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024L * 1024 * 1024),
        ("k", 1024), ("m", 1024 * 1024), ("g", 1024L * 1024 * 1024),
        ("b", 1),
    ];

    /// <summary>What a size looks like, for error messages.</summary>
    public const string Examples = "e.g. 64, 64KiB, 1MiB";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, out long value, out string error)
    {
        value = 0;
        var trimmed = text?.Trim().ToLowerInvariant() ?? string.Empty;
        long multiplier = 1;
        var number = trimmed;
        foreach (var (suffix, unit) in Units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = unit;
                number = trimmed[..^suffix.Length];
                break;
            }
        }

        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text?.Trim()}' is not a size ({Examples})";
            return false;
        }

        try
        {
            value = checked(amount * multiplier);
        }
        catch (OverflowException)
        {
            error = $"'{text?.Trim()}' is too large a size";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> naming the bad part.</summary>
    public static long Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);
}
