using System.CommandLine.Parsing;
using System.Net;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;
using EchoServers.Protocol.Work;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>Value parsers for the options whose syntax is ours (sizes, durations, work specs, addresses), with one-line errors.</summary>
internal static class OptionParsers
{
    public static IPAddress Host(ArgumentResult result)
    {
        var text = Single(result);
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (text is "*" or "any")
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        result.AddError($"--host: '{text}' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)");
        return IPAddress.Loopback;
    }

    public static int MaxFrame(ArgumentResult result)
    {
        var text = Single(result);
        if (!ByteSizeText.TryParse(text, out var size, out var error))
        {
            result.AddError($"--max-frame: {error}");
            return ProtocolLimits.DefaultMaxFrame;
        }

        if (size < 1 || size > ProtocolLimits.MaxMaxFrame)
        {
            result.AddError($"--max-frame: {text} is out of range (1 byte to 16MiB)");
            return ProtocolLimits.DefaultMaxFrame;
        }

        return (int)size;
    }

    public static WorkSpec Work(ArgumentResult result)
    {
        if (!WorkSpec.TryParse(Single(result), out var work, out var error))
        {
            result.AddError($"--work: {error}");
        }

        return work;
    }

    /// <summary>A duration where 0, none and off mean "disabled" (<see cref="TimeSpan.Zero"/>).</summary>
    public static Func<ArgumentResult, TimeSpan> OptionalDuration(string option) => result =>
    {
        var text = Single(result);
        if (text is "0" or "none" or "off")
        {
            return TimeSpan.Zero;
        }

        if (!DurationText.TryParse(text, out var duration, out var error))
        {
            result.AddError($"{option}: {error}");
        }

        return duration;
    };

    public static Func<ArgumentResult, int> Int(string option, int min, int max) => result =>
    {
        var text = Single(result);
        if (!int.TryParse(text, out var value) || value < min || value > max)
        {
            result.AddError($"{option}: '{text}' is not a whole number from {min} to {max}");
            return min;
        }

        return value;
    };

    /// <summary>One of a fixed set of words (case-insensitive), with a one-line error naming them all.</summary>
    public static Func<ArgumentResult, string> Choice(string option, string fallback, params string[] choices) => result =>
    {
        var text = Single(result).ToLowerInvariant();
        if (text == "info")
        {
            text = "information";
        }

        if (Array.IndexOf(choices, text) < 0)
        {
            result.AddError($"{option}: '{Single(result)}' is not one of {string.Join(", ", choices)}");
            return fallback;
        }

        return text;
    };

    /// <summary>A duration where 0, none and off mean "disabled" (<see cref="TimeSpan.Zero"/>), for nullable options.</summary>
    public static Func<ArgumentResult, TimeSpan?> OptionalDurationOrNull(string option)
    {
        var parse = OptionalDuration(option);
        return result => parse(result);
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value.Trim() : string.Empty;
}
