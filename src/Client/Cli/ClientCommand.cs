using System.CommandLine;
using System.CommandLine.Help;
using EchoServers.Options;
using EchoServers.Protocol.Framing;

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

    // Typed, parsed by the parsers every tool shares: help shows defaults as typed ("5s", "64KiB", "line"), and a
    // bad value gets one line naming it.
    private readonly ValueOption<int> _port = new("--port", ValueParsers.Count(1, 65535), "Server port (1-65535)", "1688", "-p");

    private readonly ValueOption<FramingKind> _framing = new(
        "--framing", TryParseFraming, "How messages are delimited: line (\\n), length (4-byte big-endian prefix) or raw (none)", "line", "-f")
    {
        HelpName = "line|length|raw",
    };

    private readonly ValueOption<TimeSpan> _timeout = new(
        "--timeout", ValueParsers.PositiveDuration, "Connect timeout, and the wait for replies (per message at the prompt; after end of input in pipe mode)", "5s", "-t")
    {
        HelpName = "duration",
    };

    private readonly ValueOption<int> _maxFrame = new(
        "--max-frame", ValueParsers.FrameSize, "Largest message sent and reply accepted (e.g. 64KiB, 1MiB): a longer line is not sent (an error names its size); a longer reply ends the session with an error", "64KiB")
    {
        HelpName = "size",
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

    public RootCommand Root { get; }

    public ClientOptions Bind(ParseResult result) => new()
    {
        Host = result.GetValue(_host) ?? ClientOptions.DefaultHost,
        Port = _port.ValueIn(result),
        Framing = _framing.ValueIn(result),
        Timeout = _timeout.ValueIn(result),
        MaxFrame = _maxFrame.ValueIn(result),
        Tls = result.GetValue(_tls),
        Insecure = result.GetValue(_insecure),
        CaFile = result.GetValue(_ca)?.FullName,
        Sni = result.GetValue(_sni),
    };

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
}
