using System.Globalization;

namespace EchoServers.Protocol.Text;

/// <summary>
/// Parses rates as people type them, fractional allowed: <c>500</c>, <c>500/s</c>, <c>0.5</c>, <c>30/m</c>,
/// <c>2/h</c>. A bare number is per second.
/// </summary>
public static class RateText
{
    /// <summary>What a rate looks like, for error messages.</summary>
    public const string Examples = "e.g. 500, 0.5/s, 30/m";

    /// <summary>Parses a rate of zero or more per second; on failure <paramref name="error"/> says, in one line, what is wrong.</summary>
    public static bool TryParse(string? text, out double perSecond, out string error)
    {
        var amount = text?.Trim() ?? string.Empty;
        if (TrySplitUnit(ref amount, out var unit)
            && double.TryParse(amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value))
        {
            perSecond = value * unit;
            error = string.Empty;
            return true;
        }

        perSecond = 0;
        error = $"'{text?.Trim()}' is not a rate ({Examples})";
        return false;
    }

    /// <summary>As <see cref="TryParse"/>, and above zero.</summary>
    public static bool TryParsePositive(string? text, out double perSecond, out string error)
    {
        if (!TryParse(text, out perSecond, out error))
        {
            return false;
        }

        if (perSecond <= 0)
        {
            error = $"'{text?.Trim()}' is not a positive rate ({Examples})";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Takes the unit (<c>/s</c>, <c>/m</c>, <c>/h</c>, or none: per second) off <paramref name="amount"/> and gives
    /// what one of it is per second; false for an unknown unit. For callers that parse the number themselves (ranges).
    /// </summary>
    public static bool TrySplitUnit(ref string amount, out double perSecond)
    {
        perSecond = 1.0;
        var slash = amount.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return true;
        }

        perSecond = amount[(slash + 1)..] switch
        {
            "s" or "sec" => 1.0,
            "m" or "min" => 1.0 / 60,
            "h" => 1.0 / 3600,
            _ => double.NaN,
        };
        amount = amount[..slash];
        return !double.IsNaN(perSecond);
    }
}
