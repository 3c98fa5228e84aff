using System.CommandLine;

namespace EchoServers.Options;

/// <summary>
/// A typed option whose value is parsed by one of the shared <see cref="TextParser{T}"/>s, with an optional default
/// written as the user would type it. The option itself is <c>T?</c> with no default of System.CommandLine's own, so
/// help prints <c>[default: 10s]</c> (as typed) rather than the value's <c>ToString()</c> (<c>00:00:10</c>).
/// </summary>
public sealed class ValueOption<T> : Option<T?>
    where T : struct
{
    /// <param name="name">The option, e.g. <c>--duration</c>.</param>
    /// <param name="parse">Its value syntax (<see cref="ValueParsers"/>).</param>
    /// <param name="description">What it does; <c>[default: …]</c> is added when there is a default.</param>
    /// <param name="defaultText">The default as typed (it must parse), or null for none (then absent is null).</param>
    /// <param name="aliases">Short forms, e.g. <c>-d</c>.</param>
    public ValueOption(string name, TextParser<T> parse, string description, string? defaultText = null, params string[] aliases)
        : base(name, aliases)
    {
        CustomParser = OptionValue.NullableParser(name, parse);
        Description = defaultText is null ? description : $"{description} [default: {defaultText}]";
        if (defaultText is not null)
        {
            Default = parse(defaultText, out var value, out var error) ? value : throw new ArgumentException($"{name}: default {error}", nameof(defaultText));
        }
    }

    /// <summary>The value when the option is absent (null: none).</summary>
    public T? Default { get; }

    /// <summary>The option's value in <paramref name="parse"/>, or its default.</summary>
    public T? Get(ParseResult parse) => parse.GetValue(this) ?? Default;

    /// <summary>The value of an option that has a default.</summary>
    public T ValueIn(ParseResult parse) => Get(parse) ?? throw new InvalidOperationException($"{Name} has no default");
}
