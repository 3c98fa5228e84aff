using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;

namespace EchoServers.Client.Cli;

/// <summary>The <c>echo-client</c> command line: options, their validation, and help with examples.</summary>
internal sealed class ClientCommand
{
    public const string Examples = """
        Examples:
          echo-client                                       interactive prompt to 127.0.0.1:1688, line framing
          echo-client --port 17200 --framing length         length-prefixed messages
          printf 'a\nb\n' | echo-client --port 17200        pipe mode: prints a and b, exits 0
          seq 100000 | echo-client --port 17200 | wc -l     pipe mode, many lines (sent and read concurrently)
          echo-client --port 17200 --framing raw --timeout 2s
          echo-client --tls --insecure                      TLS to 'echo-server --tls' (its self-signed certificate)
          echo-client --tls --ca server.crt --sni localhost TLS, trusting server.crt, checking the name localhost
        """;

    private readonly Option<string> _host = new("--host")
    {
        Description = "Server address or name",
        DefaultValueFactory = _ => ClientOptions.DefaultHost,
    };

    // Typed as text, parsed by our own parsers: help then shows defaults as typed ("5s", "64KiB", "line"),
    // and a bad value gets one line naming it instead of a conversion exception.
    private readonly Option<string> _port = new("--port", "-p")
    {
        Description = "Server port (1-65535)",
        DefaultValueFactory = _ => "1688",
    };

    private readonly Option<string> _framing = new("--framing", "-f")
    {
        Description = "How messages are delimited: line (\\n), length (4-byte big-endian prefix) or raw (none)",
        HelpName = "line|length|raw",
        DefaultValueFactory = _ => "line",
    };

    private readonly Option<string> _timeout = new("--timeout", "-t")
    {
        Description = "Connect timeout, and the wait for replies (per message at the prompt; after end of input in pipe mode)",
        HelpName = "duration",
        DefaultValueFactory = _ => "5s",
    };

    private readonly Option<string> _maxFrame = new("--max-frame")
    {
        Description = "Largest message sent and reply accepted (e.g. 64KiB, 1MiB): a longer line is not sent (an error names its size); a longer reply ends the session with an error",
        HelpName = "size",
        DefaultValueFactory = _ => "64KiB",
    };

    private readonly Option<bool> _tls = new("--tls")
    {
        Description = "Talk TLS 1.2/1.3 (to echo-server --tls); the negotiated version and cipher are shown once on connect",
    };

    private readonly Option<bool> _insecure = new("--insecure", "-k")
    {
        Description = "--tls: accept any server certificate (encrypted, but the server is not authenticated)",
    };

    private readonly Option<FileInfo> _ca = new("--ca")
    {
        Description = "--tls: trust the certificate(s) in this PEM or DER file instead of the system's roots (e.g. the server's own self-signed one)",
        HelpName = "file",
    };

    private readonly Option<string> _sni = new("--sni")
    {
        Description = "--tls: server name to send (SNI) and to check the certificate against [default: --host]",
        HelpName = "name",
    };

    public ClientCommand()
    {
        AddCheck<int>(_port, TryParsePort);
        AddCheck<FramingKind>(_framing, TryParseFraming);
        AddCheck<TimeSpan>(_timeout, TryParseTimeout);
        AddCheck<int>(_maxFrame, TryParseMaxFrame);
        Root = new RootCommand("Interactive and pipe-mode client for the EchoServers family: sends lines as framed messages and prints each reply.")
        {
            _host, _port, _framing, _timeout, _maxFrame, _tls, _insecure, _ca, _sni,
        };

        _ca.AcceptExistingOnly();
        Root.Validators.Add(result =>
        {
            var insecure = result.GetValue(_insecure);
            var ca = result.GetResult(_ca) is not null;
            if (!result.GetValue(_tls) && (insecure || ca || result.GetResult(_sni) is not null))
            {
                result.AddError("--insecure, --ca and --sni need --tls");
            }
            else if (insecure && ca)
            {
                result.AddError("--insecure and --ca cannot go together: --ca trusts a certificate, --insecure trusts any");
            }
        });

        // Help keeps System.CommandLine's layout and adds examples after it.
        foreach (var option in Root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction defaultHelp)
            {
                help.Action = new HelpWithExamplesAction(defaultHelp);
            }
        }
    }

    private delegate bool TryParse<T>(string text, out T value, out string error);

    public RootCommand Root { get; }

    public ClientOptions Bind(ParseResult result) => new()
    {
        Host = result.GetValue(_host) ?? ClientOptions.DefaultHost,
        Port = Parsed<int>(result, _port, TryParsePort),
        Framing = Parsed<FramingKind>(result, _framing, TryParseFraming),
        Timeout = Parsed<TimeSpan>(result, _timeout, TryParseTimeout),
        MaxFrame = Parsed<int>(result, _maxFrame, TryParseMaxFrame),
        Tls = result.GetValue(_tls),
        Insecure = result.GetValue(_insecure),
        CaFile = result.GetValue(_ca)?.FullName,
        Sni = result.GetValue(_sni),
    };

    private static void AddCheck<T>(Option<string> option, TryParse<T> parse) =>
        option.Validators.Add(result =>
        {
            if (!parse(result.GetValueOrDefault<string>() ?? string.Empty, out _, out var error))
            {
                result.AddError($"{option.Name}: {error}");
            }
        });

    // Validators ran first, so the text is known to parse.
    private static T Parsed<T>(ParseResult result, Option<string> option, TryParse<T> parse) =>
        parse(result.GetValue(option) ?? string.Empty, out var value, out var error) ? value : throw new InvalidOperationException(error);

    private static bool TryParsePort(string text, out int port, out string error)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535)
        {
            error = string.Empty;
            return true;
        }

        error = $"'{text}' is not a port number (1-65535)";
        return false;
    }

    private static bool TryParseFraming(string text, out FramingKind framing, out string error)
    {
        error = string.Empty;
        switch (text.ToLowerInvariant())
        {
            case "line":
                framing = FramingKind.Line;
                return true;
            case "length":
                framing = FramingKind.Length;
                return true;
            case "raw":
                framing = FramingKind.Raw;
                return true;
            default:
                framing = default;
                error = $"'{text}' is not a framing (line, length or raw)";
                return false;
        }
    }

    private static bool TryParseTimeout(string text, out TimeSpan timeout, out string error)
    {
        if (!DurationText.TryParse(text, out timeout, out error))
        {
            return false;
        }

        if (timeout <= TimeSpan.Zero)
        {
            error = "must be greater than zero";
            return false;
        }

        return true;
    }

    private static bool TryParseMaxFrame(string text, out int maxFrame, out string error)
    {
        maxFrame = 0;
        if (!ByteSizeText.TryParse(text, out var value, out error))
        {
            return false;
        }

        if (value is < 1 or > ProtocolLimits.MaxMaxFrame)
        {
            error = $"'{text}' is out of range (1 byte to 16MiB)";
            return false;
        }

        maxFrame = (int)value;
        return true;
    }
}
