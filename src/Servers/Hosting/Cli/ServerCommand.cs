using System.CommandLine;
using System.Net;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Connections.Tls;
using Serilog.Events;

namespace EchoServers.Servers.Hosting.Cli;

/// <summary>The <c>echo-server</c> command line: options, help, and binding to <see cref="ServerOptions"/>.</summary>
internal sealed class ServerCommand
{
    private const string Description = """
        A concurrent TCP echo server; the same protocol under five concurrency models.

        Examples:
          echo-server                                   async model on 127.0.0.1:1688, raw echo
          echo-server --model pool --framing line --transform upper
                                                        the classic lesson's server: 5 workers, uppercase lines
          echo-server --model threads --port 0          any free port (read it from the 'listening on' line)
          echo-server --model kestrel --framing length --max-frame 1MiB --idle-timeout 30s
          echo-server --model async --work cpu:50us --stats-interval 5s
          echo-server --model eventloop --processes 4   four worker processes on one port, restarted if they die
          echo-server --tls                             TLS 1.2/1.3 with a self-signed certificate made at start-up
          echo-server --model kestrel --tls --cert server.pem --key server.key
          echo-server --metrics-port 9464               Prometheus scrapes http://127.0.0.1:9464/metrics
        Test it:  nc 127.0.0.1 1688      Metrics:  dotnet-counters monitor -n echo-server --counters EchoServers
        """;

    private readonly Option<string> _model = ServerOptionKinds.Choice(
        "--model", "Concurrency model: threads | pool | async | eventloop | kestrel", "async", ["threads", "pool", "async", "eventloop", "kestrel"], "-m");

    private readonly Option<IPAddress> _host = new("--host")
    {
        Description = "Address to bind (0.0.0.0 or :: for all interfaces)",
        DefaultValueFactory = _ => IPAddress.Loopback,
        CustomParser = OptionParsers.Host,
    };

    private readonly Option<int> _port = ServerOptionKinds.Count(
        "--port", "TCP port; 0 picks a free one", 1688, 0, 65535, "-p");

    private readonly Option<string> _framing = ServerOptionKinds.Choice(
        "--framing", "raw (bytes as they come) | line (\\n-terminated) | length (4-byte big-endian prefix)", "raw", ["raw", "line", "length"], "-f");

    private readonly Option<string> _transform = ServerOptionKinds.Choice(
        "--transform", "echo | upper (ASCII uppercase)", "echo", ["echo", "upper"], "-t");

    private readonly Option<int> _maxFrame = new("--max-frame")
    {
        Description = "Largest message accepted, e.g. 65536 or 64KiB (max 16MiB); larger closes the connection",
        DefaultValueFactory = _ => ProtocolLimits.DefaultMaxFrame,
        CustomParser = OptionParsers.MaxFrame,
        HelpName = "size",
    };

    private readonly Option<WorkSpec> _work = new("--work")
    {
        Description = "Simulated work per message: cpu:50us (busy loop) | io:5ms (wait) | none",
        DefaultValueFactory = _ => WorkSpec.None,
        CustomParser = OptionParsers.Work,
        HelpName = "kind:duration",
    };

    private readonly Option<int> _maxConnections = ServerOptionKinds.Count(
        "--max-connections", "Connections served at once; more are refused and counted", 10_000, 1, 1_000_000);

    private readonly Option<TimeSpan?> _idleTimeout = ServerOptionKinds.Duration(
        "--idle-timeout", "Close a connection silent for this long, e.g. 30s; 0 or none = never [default: none]");

    private readonly Option<TimeSpan?> _frameTimeout = ServerOptionKinds.Duration(
        "--frame-timeout", "Close a connection whose started frame is not complete within this long (frees slowloris dribblers), e.g. 30s; 0 or none = never [default: none]");

    private readonly Option<TimeSpan?> _sendTimeout = ServerOptionKinds.Duration(
        "--send-timeout", "Abort a connection whose peer takes no replies for this long while replies wait, e.g. 30s; 0 or none = never [default: 30s]");

    private readonly Option<int> _workers = ServerOptionKinds.Count(
        "--workers", "pool: worker threads (5, the classic lesson's pool size)", 5, 1, 10_000);

    private readonly Option<int> _queue = ServerOptionKinds.Count(
        "--queue", "pool: connections that may wait for a worker; beyond it they are refused", 100, 0, 1_000_000);

    private readonly Option<int> _spareThreads = ServerOptionKinds.Count(
        "--spare-threads", "threads: connection threads started ahead of demand, each waiting in accept (a connect storm is admitted in parallel); 0 = one accept thread starting a thread per connection", 64, 0, 10_000);

    private readonly Option<int> _loops = ServerOptionKinds.Count(
        "--loops", "eventloop: event loops (threads), each with its own SO_REUSEPORT listener; async/kestrel on --transport epoll: the transport's loop threads", 1, 1, 1024);

    private readonly Option<string> _transport = ServerOptionKinds.ChoiceOrAbsent(
        "--transport", "async, kestrel: sockets (System.Net.Sockets) | epoll (the project's epoll transport) [default: epoll on Linux, sockets elsewhere]", ["sockets", "epoll"]);

    private readonly Option<int> _processes = ServerOptionKinds.Count(
        "--processes", "Worker processes sharing the port (SO_REUSEPORT) under a supervisor that restarts them; --max-connections is per process", 1, 1, 256);

    private readonly Option<bool> _tls = new("--tls")
    {
        Description = "Serve TLS 1.2/1.3 (threads, pool, async on sockets, kestrel); without --cert a self-signed certificate for --host is made at start-up and its SHA-256 fingerprint logged; the handshake must finish within --frame-timeout, or 10s",
    };

    private readonly Option<FileInfo> _cert = new("--cert")
    {
        Description = "--tls: the server certificate, PEM (with its key, or give --key) or PKCS#12 (.pfx, no password)",
        HelpName = "pem|pfx",
    };

    private readonly Option<FileInfo> _key = new("--key")
    {
        Description = "--tls: the PEM private key of a PEM --cert that does not hold it",
        HelpName = "pem",
    };

    private readonly Option<TimeSpan?> _drainTimeout = ServerOptionKinds.Duration(
        "--drain-timeout", "On SIGINT/SIGTERM: how long open connections may go on before they are closed [default: 5s]");

    private readonly Option<TimeSpan?> _statsInterval = ServerOptionKinds.Duration(
        "--stats-interval", "Period of the one-line stats log; 0 = off [default: 10s]");

    private readonly Option<string> _logLevel = ServerOptionKinds.Choice(
        "--log-level", "verbose | debug | information | warning | error", "information", ["verbose", "debug", "information", "warning", "error"]);

    private readonly Option<FileInfo?> _logFile = new("--log-file")
    {
        Description = "Also write the log to this file",
        HelpName = "path",
    };

    private readonly Option<int?> _metricsPort = new("--metrics-port")
    {
        Description = "Serve the metrics for Prometheus at http://<metrics-host>:<port>/metrics (0 picks a free port, logged); with --processes the supervisor serves the group",
        CustomParser = r => OptionParsers.Int("--metrics-port", 0, 65535)(r),
        HelpName = "port",
    };

    private readonly Option<IPAddress> _metricsHost = new("--metrics-host")
    {
        Description = "Address of the --metrics-port endpoint",
        DefaultValueFactory = _ => IPAddress.Loopback,
        CustomParser = OptionParsers.Host,
    };

    private readonly Option<Uri> _otlpEndpoint = new("--otlp-endpoint")
    {
        Description = "Push the metrics to this OpenTelemetry collector over OTLP/HTTP protobuf every 10s, e.g. http://127.0.0.1:4318 (a URL without a path gets /v1/metrics)",
        CustomParser = Metrics.MetricsOptionParsers.HttpUrl("--otlp-endpoint"),
        HelpName = "url",
    };

    public ServerCommand()
    {
        Root = new RootCommand(Description)
        {
            _model, _host, _port, _framing, _transform, _maxFrame, _work, _maxConnections, _idleTimeout, _frameTimeout, _sendTimeout,
            _workers, _queue, _spareThreads, _loops, _transport, _tls, _cert, _key, _processes, _drainTimeout, _statsInterval, _logLevel, _logFile,
            _metricsPort, _metricsHost, _otlpEndpoint,
        };

        _cert.AcceptExistingOnly();
        _key.AcceptExistingOnly();

        // Only the pipe models have a transport to choose; elsewhere the option would be silently ignored.
        Root.Validators.Add(result =>
        {
            // The raw token, not GetValue: a bad --model has its own error, and GetValue would throw on it.
            var tokens = result.GetResult(_model)?.Tokens;
            var model = tokens is { Count: > 0 } ? tokens[^1].Value.ToLowerInvariant() : "async";
            if (result.GetResult(_transport) is not null && model is not ("async" or "kestrel"))
            {
                result.AddError($"--transport applies to --model async and kestrel only, not {model}");
            }

            var processes = result.GetResult(_processes)?.Tokens is { Count: > 0 } p ? p[^1].Value : "1";
            foreach (var error in TlsConflicts(result.GetValue(_tls), result.GetResult(_cert) is not null, result.GetResult(_key) is not null, model, processes != "1"))
            {
                result.AddError(error);
            }
        });
    }

    public RootCommand Root { get; }

    /// <summary>Why <c>--tls</c>, <c>--cert</c> and <c>--key</c> cannot go with the rest of the command line (nothing when they can).</summary>
    private static IEnumerable<string> TlsConflicts(bool tls, bool cert, bool key, string model, bool processes)
    {
        if (!tls)
        {
            if (cert || key)
            {
                yield return "--cert and --key need --tls";
            }

            yield break;
        }

        if (key && !cert)
        {
            yield return "--key needs --cert (the certificate it belongs to)";
        }

        if (model == "eventloop")
        {
            // SslStream wants a stream to block or await on; the loop has neither (see docs/servers.md, TLS).
            yield return "--tls is not supported by the eventloop model";
        }

        if (processes && !cert)
        {
            yield return "--tls with --processes needs --cert: each worker would make its own self-signed certificate";
        }
    }

    public ServerOptions BindServerOptions(ParseResult parse) => new()
    {
        Model = Enum.Parse<ServerModel>(parse.GetValue(_model)!, ignoreCase: true),
        Host = parse.GetValue(_host)!,
        Port = parse.GetValue(_port),
        MaxConnections = parse.GetValue(_maxConnections),
        Workers = parse.GetValue(_workers),
        Queue = parse.GetValue(_queue),
        SpareThreads = parse.GetValue(_spareThreads),
        Loops = parse.GetValue(_loops),
        Transport = parse.GetValue(_transport) switch
        {
            "sockets" => TransportKind.Sockets,
            "epoll" => TransportKind.Epoll,
            _ => null,
        },
        Tls = parse.GetValue(_tls)
            ? new TlsOptions { CertificatePath = parse.GetValue(_cert)?.FullName, KeyPath = parse.GetValue(_key)?.FullName }
            : null,
        DrainTimeout = parse.GetValue(_drainTimeout) ?? TimeSpan.FromSeconds(5),
        SendTimeout = parse.GetValue(_sendTimeout) ?? TimeSpan.FromSeconds(30),
        StatsInterval = parse.GetValue(_statsInterval) ?? TimeSpan.FromSeconds(10),
        Protocol = new ProtocolOptions
        {
            Framing = Enum.Parse<FramingKind>(parse.GetValue(_framing)!, ignoreCase: true),
            Transform = Enum.Parse<TransformKind>(parse.GetValue(_transform)!, ignoreCase: true),
            MaxFrame = parse.GetValue(_maxFrame),
            Work = parse.GetValue(_work),
            IdleTimeout = parse.GetValue(_idleTimeout) ?? TimeSpan.Zero,
            FrameTimeout = parse.GetValue(_frameTimeout) ?? TimeSpan.Zero,
        },
    };

    /// <summary><c>--metrics-port</c>, <c>--metrics-host</c>, <c>--otlp-endpoint</c>.</summary>
    public Metrics.MetricsExportOptions BindMetricsExport(ParseResult parse) => new()
    {
        Host = parse.GetValue(_metricsHost)!,
        Port = parse.GetValue(_metricsPort),
        OtlpEndpoint = parse.GetValue(_otlpEndpoint),
    };

    /// <summary>The <c>--processes</c> count (1: this process serves, no supervisor).</summary>
    public int BindProcesses(ParseResult parse) => parse.GetValue(_processes);

    public LoggingOptions BindLoggingOptions(ParseResult parse) => new(
        parse.GetValue(_logLevel) switch
        {
            "verbose" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        },
        parse.GetValue(_logFile)?.FullName);
}
