using System.CommandLine.Parsing;

namespace EchoServers.Options;

/// <summary>Binds a <see cref="TextParser{T}"/> to System.CommandLine: a bad value is one error line, <c>--name: what is wrong</c>.</summary>
public static class OptionValue
{
    /// <summary>A custom parser for an option named <paramref name="option"/>; on a bad value it adds the error and gives <c>default</c>.</summary>
    public static Func<ArgumentResult, T> Parser<T>(string option, TextParser<T> parse) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (parse(text, out var value, out var error))
        {
            return value;
        }

        result.AddError($"{option}: {error}");
        return default!;
    };

    /// <summary>As <see cref="Parser{T}"/>, for an option typed <c>T?</c> (null when absent).</summary>
    public static Func<ArgumentResult, T?> NullableParser<T>(string option, TextParser<T> parse)
        where T : struct
    {
        var parser = Parser(option, parse);
        return result => parser(result);
    }
}
