using System.CommandLine.Parsing;
using System.Net;
using EchoServers.Options;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Work;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>
/// Value parsers for echo-server's options, with one-line errors: durations, sizes and counts through the parsers
/// every tool shares (<see cref="ValueParsers"/>), plus the syntaxes only the server has (work specs, addresses).
/// </summary>
internal static class OptionParsers
{
    private static readonly Func<ArgumentResult, int> FrameSize = OptionValue.Parser("--max-frame", ValueParsers.FrameSize);

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
        var size = FrameSize(result);
        return size == 0 ? ProtocolLimits.DefaultMaxFrame : size;
    }

    public static WorkSpec Work(ArgumentResult result)
    {
        if (!WorkSpec.TryParse(Single(result), out var work, out var error))
        {
            result.AddError($"--work: {error}");
        }

        return work;
    }

    public static Func<ArgumentResult, int> Int(string option, int min, int max) =>
        OptionValue.Parser(option, ValueParsers.Count(min, max));

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
    public static Func<ArgumentResult, TimeSpan?> OptionalDurationOrNull(string option) =>
        OptionValue.NullableParser(option, ValueParsers.OrOff(ValueParsers.Duration));

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value.Trim() : string.Empty;
}
