using System.CommandLine.Parsing;

namespace EchoServers.Servers.Hosting.Metrics;

/// <summary>Value parsers for the metrics export options, with one-line errors.</summary>
internal static class MetricsOptionParsers
{
    /// <summary>An absolute http:// or https:// URL.</summary>
    public static Func<ArgumentResult, Uri?> HttpUrl(string option) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"{option}: '{text}' is not an http:// or https:// URL (e.g. http://127.0.0.1:4318)");
        return null;
    };
}
