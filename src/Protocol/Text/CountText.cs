using System.Globalization;

namespace EchoServers.Protocol.Text;

/// <summary>Parses whole numbers within a range (connections, ports, workers), with one error text for all of them.</summary>
public static class CountText
{
    /// <summary>Parses a whole number from <paramref name="min"/> to <paramref name="max"/>; <c>_</c> may group digits (<c>60_000</c>).</summary>
    public static bool TryParse(string? text, int min, int max, out int value, out string error)
    {
        var trimmed = text?.Trim() ?? string.Empty;
        if (int.TryParse(trimmed.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max)
        {
            error = string.Empty;
            return true;
        }

        error = $"'{trimmed}' is not a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        value = min;
        return false;
    }
}
