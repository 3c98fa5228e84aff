using System.CommandLine;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>
/// The kinds of option echo-server has (a bounded count, a word from a list, a duration that may be off), each made
/// from its name once: the parser's error line names the same option that help shows, so the two cannot drift.
/// </summary>
internal static class ServerOptionKinds
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Count(string name, string description, int defaultValue, int min, int max, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = OptionParsers.Int(name, min, max),
    };

    /// <summary>One of <paramref name="choices"/> (help names them all); absent, <paramref name="defaultValue"/>.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, string[] choices, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = OptionParsers.Choice(name, defaultValue, choices),
        HelpName = string.Join('|', choices),
    };

    /// <summary>One of <paramref name="choices"/> with no default of its own (absent: null, the caller decides).</summary>
    public static Option<string> ChoiceOrAbsent(string name, string description, string[] choices) => new(name)
    {
        Description = description,
        CustomParser = OptionParsers.Choice(name, choices[0], choices),
        HelpName = string.Join('|', choices),
    };

    /// <summary>A duration where 0, none and off mean "never"; absent, null (the description states the default).</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = OptionParsers.OptionalDurationOrNull(name),
        HelpName = "duration",
    };
}
