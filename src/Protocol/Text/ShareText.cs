using System.Globalization;

namespace EchoServers.Protocol.Text;

/// <summary>Parses a share as a percentage or a fraction: <c>5%</c> or <c>0.05</c> (both 0.05).</summary>
public static class ShareText
{
    /// <summary>What a share looks like, for error messages.</summary>
    public const string Examples = "e.g. 5% or 0.05";

    /// <summary>Parses a share of zero or more; on failure <paramref name="error"/> says, in one line, what is wrong.</summary>
    public static bool TryParse(string? text, out double share, out string error)
    {
        var trimmed = text?.Trim() ?? string.Empty;
        var percent = trimmed.EndsWith('%');
        if (double.TryParse(percent ? trimmed[..^1] : trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out share)
            && double.IsFinite(share))
        {
            share = percent ? share / 100 : share;
            error = string.Empty;
            return true;
        }

        error = $"'{trimmed}' is not a share ({Examples})";
        return false;
    }
}
