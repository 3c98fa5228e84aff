using System.Globalization;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;

namespace EchoServers.Options;

/// <summary>The value syntaxes every tool's options share, as <see cref="TextParser{T}"/>s over Protocol's text parsers.</summary>
public static class ValueParsers
{
    /// <summary>A duration of zero or more: <c>500ms</c>, <c>10s</c>, <c>2m</c>.</summary>
    public static readonly TextParser<TimeSpan> Duration = DurationText.TryParse;

    /// <summary>A duration above zero.</summary>
    public static readonly TextParser<TimeSpan> PositiveDuration = DurationText.TryParsePositive;

    /// <summary>A rate of zero or more per second, fractional allowed: <c>500</c>, <c>0.5/s</c>, <c>30/m</c>.</summary>
    public static readonly TextParser<double> Rate = RateText.TryParse;

    /// <summary>A rate above zero.</summary>
    public static readonly TextParser<double> PositiveRate = RateText.TryParsePositive;

    /// <summary>A share of zero or more: <c>5%</c> or <c>0.05</c>.</summary>
    public static readonly TextParser<double> Share = ShareText.TryParse;

    /// <summary>A size in bytes: <c>65536</c>, <c>64KiB</c>, <c>1MiB</c>.</summary>
    public static readonly TextParser<long> Size = ByteSizeText.TryParse;

    /// <summary>A frame size: 1 byte to the protocol's largest <c>--max-frame</c> (16MiB).</summary>
    public static readonly TextParser<int> FrameSize = (string text, out int value, out string error) =>
    {
        value = 0;
        if (!ByteSizeText.TryParse(text, out var size, out error))
        {
            return false;
        }

        if (size < 1 || size > ProtocolLimits.MaxMaxFrame)
        {
            error = $"'{text.Trim()}' is out of range (1 byte to 16MiB)";
            return false;
        }

        value = (int)size;
        return true;
    };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static TextParser<int> Count(int min, int max) =>
        (string text, out int value, out string error) => CountText.TryParse(text, min, max, out value, out error);

    /// <summary>A share from <paramref name="min"/> to <paramref name="max"/> (either end excluded when <paramref name="open"/>).</summary>
    public static TextParser<double> ShareWithin(double min, double max, bool open = false) => (string text, out double value, out string error) =>
    {
        if (!ShareText.TryParse(text, out value, out error))
        {
            return false;
        }

        if (open ? value <= min || value >= max : value < min || value > max)
        {
            error = $"'{text.Trim()}' is not a share {(open ? "between" : "from")} {Percent(min)} {(open ? "and" : "to")} {Percent(max)} ({ShareText.Examples})";
            return false;
        }

        return true;
    };

    /// <summary>A number from <paramref name="min"/> to <paramref name="max"/>, fractional allowed (a factor, a ratio).</summary>
    public static TextParser<double> Number(double min, double max) => (string text, out double value, out string error) =>
    {
        if (double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max)
        {
            error = string.Empty;
            return true;
        }

        error = $"'{text.Trim()}' is not a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        return false;
    };

    /// <summary>One of an enum's names, case-insensitive (not its numbers), with an error naming them all.</summary>
    public static TextParser<T> Choice<T>()
        where T : struct, Enum => (string text, out T value, out string error) =>
    {
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && char.IsAsciiLetter(trimmed[0]) && Enum.TryParse(trimmed, ignoreCase: true, out value) && Enum.IsDefined(value))
        {
            error = string.Empty;
            return true;
        }

        value = default;
        error = $"'{trimmed}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}";
        return false;
    };

    /// <summary><paramref name="parse"/>, where <c>0</c>, <c>none</c> and <c>off</c> also mean zero ("disabled").</summary>
    public static TextParser<TimeSpan> OrOff(TextParser<TimeSpan> parse) => (string text, out TimeSpan value, out string error) =>
    {
        if (text.Trim() is "0" or "none" or "off")
        {
            value = TimeSpan.Zero;
            error = string.Empty;
            return true;
        }

        return parse(text, out value, out error);
    };

    private static string Percent(double share) => (share * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
