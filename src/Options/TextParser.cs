namespace EchoServers.Options;

/// <summary>
/// Parses an option's text; on failure <paramref name="error"/> is one line naming the bad text and what was
/// expected (the option's name is put in front by <see cref="OptionValue.Parser{T}"/>).
/// </summary>
public delegate bool TextParser<T>(string text, out T value, out string error);
