using System.CommandLine;
using System.Globalization;
using EchoServers.Load.Assertions;
using EchoServers.Load.Engine;
using EchoServers.Load.Simulations;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Text;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Cli;

/// <summary>The options of <c>run</c>. Values are taken as text and parsed here so every mistake gets one clear line.</summary>
internal sealed class RunCommandOptions
{
    private readonly Option<string> _target = new("--target", "-t") { Description = "Server address, e.g. 127.0.0.1:1688 (loopback only unless --allow-private-network)", Required = true };
    private readonly Option<int> _connections = new("--connections", "-c") { Description = "Connections (closed model: each keeps --pipeline messages in flight; open model: --rate is spread over them)", DefaultValueFactory = _ => 50 };
    private readonly Option<int> _pipeline = new("--pipeline", "-p") { Description = "Messages in flight per connection (closed model)", DefaultValueFactory = _ => 1 };
    private readonly Option<string> _size = new("--size", "-s") { Description = "Message payload size, or a uniform range: 64, 4KiB, 64..1024", DefaultValueFactory = _ => "64" };
    private readonly Option<string> _duration = new("--duration", "-d") { Description = "Measured duration (without --load)", DefaultValueFactory = _ => "10s" };
    private readonly Option<string> _warmup = new("--warmup") { Description = "Load before measuring, not counted", DefaultValueFactory = _ => "1s" };
    private readonly Option<string?> _rate = new("--rate", "-r") { Description = "Open model: messages per second in total, fractional allowed (500, 0.5, 30/m)" };
    private readonly Option<string> _arrival = new("--arrival") { Description = "Open model spacing: even or poisson", DefaultValueFactory = _ => "even" };
    private readonly Option<string?> _load = new("--load", "-l") { Description = "Load simulations in sequence, e.g. \"ramping-constant 0..1000 over 10s, keep-constant 1000 for 30s\" or \"inject 500/s for 10s, ramping-inject 500..2000/s over 20s\"" };
    private readonly Option<string> _framing = new("--framing", "-f") { Description = "Wire framing: raw (replies matched by byte count), line or length", DefaultValueFactory = _ => "raw" };
    private readonly Option<string> _expect = new("--expect") { Description = "A correct reply: echo or upper", DefaultValueFactory = _ => "echo" };
    private readonly Option<string> _timeout = new("--timeout") { Description = "A reply later than this after its message was due is a timeout", DefaultValueFactory = _ => "5s" };
    private readonly Option<string> _drainTimeout = new("--drain-timeout") { Description = "How long to wait for outstanding replies after the last message", DefaultValueFactory = _ => "5s" };
    private readonly Option<string?> _connectRate = new("--connect-rate") { Description = "New connections per second (default: a storm, as fast as they complete)" };
    private readonly Option<string> _start = new("--start") { Description = "immediate: each connection sends once it is up, while others still connect (default); together: all connect first, then the load starts", DefaultValueFactory = _ => "immediate" };
    private readonly Option<string> _firstReplyTimeout = new("--first-reply-timeout") { Description = "A connection without a reply this long after its connect began is counted as starved", DefaultValueFactory = _ => "5s" };
    private readonly Option<string> _connectTimeout = new("--connect-timeout") { Description = "Longest wait for one connection", DefaultValueFactory = _ => "5s" };
    private readonly Option<int> _messagesPerConnection = new("--messages-per-connection") { Description = "Churn (closed model): close each connection after its M-th reply and connect again; 1 = one connection per message" };
    private readonly Option<string?> _connectionLifetime = new("--connection-lifetime") { Description = "Churn (closed model): close each connection this long after it was established (once its replies are in) and connect again, e.g. 500ms" };
    private readonly Option<bool> _reconnect = new("--reconnect") { Description = "Churn (closed model): reopen a connection that failed, was refused or reset, after a short back-off (10 ms, doubling per failure in a row); counted" };
    private readonly Option<int> _threads = new("--threads") { Description = "I/O threads (default: one per core this process may use)" };
    private readonly Option<int> _maxInFlight = new("--max-inflight") { Description = "Open model: messages in flight per connection before new ones count as overflow (default: enough for --timeout at the peak rate)" };
    private readonly Option<string?> _spin = new("--spin") { Description = "Open model: poll this long before each due time instead of sleeping (lower send lateness, more CPU); default 20us with more than one core, else 0us" };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the Poisson arrivals", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _tls = new("--tls") { Description = "Talk TLS 1.2/1.3 (to echo-server --tls): the TLS engine, one task per connection over SslStream (the open model paced by a thread of its own); reports handshake times" };
    private readonly Option<bool> _insecure = new("--insecure", "-k") { Description = "--tls: accept any server certificate (encrypted, but the server is not authenticated)" };
    private readonly Option<string?> _ca = new("--ca") { Description = "--tls: trust the certificate(s) in this PEM or DER file instead of the system's roots (e.g. the server's own self-signed one)", HelpName = "file" };
    private readonly Option<string?> _sni = new("--sni") { Description = "--tls: server name to send (SNI) and to check the certificate against [default: the target's address]", HelpName = "name" };
    private readonly Option<bool> _allowPrivate = new("--allow-private-network") { Description = "Also allow RFC 1918 / fc00::/7 targets (a local test network)" };
    private readonly Option<string[]> _assert = new("--assert", "-a") { Description = "Fail (exit 1) unless this holds, e.g. p99<2ms, errors==0, rate>=50000, valid; repeatable", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string?> _json = new("--json") { Description = "Write the result as JSON to this file" };
    private readonly Option<string?> _csv = new("--csv") { Description = "Write the per-second series as CSV to this file" };
    private readonly Option<string?> _hdr = new("--hdr") { Description = "Write the latency histograms as an HdrHistogram log (mergeable) to this file" };
    private readonly Option<string?> _report = new("--report") { Description = "Write report.md and report.html (self-contained, with charts) into this directory" };
    private readonly Option<bool> _plain = new("--plain") { Description = "Plain progress lines even on a terminal" };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No progress, only the summary" };

    public IEnumerable<Option> All =>
    [
        _target, _connections, _pipeline, _size, _duration, _warmup, _rate, _arrival, _load, _framing, _expect, _timeout,
        _drainTimeout, _connectRate, _start, _firstReplyTimeout, _connectTimeout, _messagesPerConnection, _connectionLifetime, _reconnect, _threads, _maxInFlight, _spin, _seed, _tls, _insecure, _ca, _sni, _allowPrivate, _assert, _json, _csv,
        _hdr, _report, _plain, _quiet,
    ];

    /// <summary>
    /// The engine options <c>sweep</c> takes from <c>run</c> (what each step sends and how); not the run's shape
    /// (<c>--rate</c>, <c>--load</c>, <c>-d</c>, <c>-p</c>), assertions or outputs, which the sweep has its own of.
    /// <c>-p</c> and <c>-d</c> come along hidden only so <see cref="TryBind"/> sees their defaults; the sweep replaces both.
    /// The churn and TLS options come along hidden for the same reason: the sweep is open-model, where both are refused.
    /// Computed from <see cref="All"/> minus <see cref="RunOnly"/>, so a new engine option reaches the sweep without
    /// being listed twice (an option <see cref="TryBind"/> reads but the sweep lacks would bind as null).
    /// </summary>
    public IEnumerable<Option> SharedWithSweep =>
        All.Except(RunOnly).Select(option => HiddenInSweep.Contains(option) ? Hide(option) : option);

    private IEnumerable<Option> RunOnly => [_rate, _load, _assert, _json, _csv, _hdr, _report];

    private Option[] HiddenInSweep => [_pipeline, _duration, _messagesPerConnection, _connectionLifetime, _reconnect, _tls, _insecure, _ca, _sni];

    public bool TryBind(ParseResult parse, out BoundRunOptions bound, out string error)
    {
        bound = null!;
        if (!TargetPolicy.TryParse(parse.GetValue(_target) ?? string.Empty, out var target, out error)
            || !TryPositive(parse.GetValue(_connections), "--connections", out error)
            || !TryPositive(parse.GetValue(_pipeline), "--pipeline", out error)
            || !TryDuration(parse, _duration, out var duration, out error)
            || !TryDuration(parse, _warmup, out var warmup, out error)
            || !TryDuration(parse, _timeout, out var timeout, out error)
            || !TryDuration(parse, _drainTimeout, out var drainTimeout, out error)
            || !TryDuration(parse, _connectTimeout, out var connectTimeout, out error)
            || !TryDuration(parse, _firstReplyTimeout, out var firstReplyTimeout, out error))
        {
            return false;
        }

        if (!SizeSpec.TryParse(parse.GetValue(_size)!, out var sizes, out var sizeError))
        {
            error = $"--size: {sizeError}";
            return false;
        }

        if (!Enum.TryParse<FramingKind>(parse.GetValue(_framing), ignoreCase: true, out var framing) || !Enum.IsDefined(framing))
        {
            error = $"--framing '{parse.GetValue(_framing)}' is not raw, line or length";
            return false;
        }

        if (!Enum.TryParse<TransformKind>(parse.GetValue(_expect), ignoreCase: true, out var expect) || !Enum.IsDefined(expect))
        {
            error = $"--expect '{parse.GetValue(_expect)}' is not echo or upper";
            return false;
        }

        if (!Enum.TryParse<StartMode>(parse.GetValue(_start), ignoreCase: true, out var start) || !Enum.IsDefined(start))
        {
            error = $"--start '{parse.GetValue(_start)}' is not immediate or together";
            return false;
        }

        if (!Enum.TryParse<ArrivalKind>(parse.GetValue(_arrival), ignoreCase: true, out var arrival) || !Enum.IsDefined(arrival))
        {
            error = $"--arrival '{parse.GetValue(_arrival)}' is not even or poisson";
            return false;
        }

        double? rate = null;
        if (parse.GetValue(_rate) is { } rateText)
        {
            if (!LoadSimulationParser.TryParse($"inject {rateText} for 1s", out var rateSteps, out _) || rateSteps[0].From <= 0)
            {
                error = $"--rate '{rateText}' is not a positive rate like 500, 0.5 or 30/m";
                return false;
            }

            rate = rateSteps[0].From;
        }

        IReadOnlyList<LoadStep>? steps = null;
        if (parse.GetValue(_load) is { } loadText)
        {
            if (rate is not null)
            {
                error = "--rate and --load both shape the run; use one (e.g. --load \"inject 500/s for 10s\")";
                return false;
            }

            if (!LoadSimulationParser.TryParse(loadText, out steps, out error))
            {
                return false;
            }
        }

        double connectRate = 0;
        if (parse.GetValue(_connectRate) is { } connectRateText
            && (!double.TryParse(connectRateText.Replace("/s", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out connectRate) || connectRate <= 0))
        {
            error = $"--connect-rate '{connectRateText}' is not a positive number per second";
            return false;
        }

        TimeSpan? lifetime = null;
        if (parse.GetValue(_connectionLifetime) is { } lifetimeText)
        {
            if (!DurationText.TryParse(lifetimeText, out var lifetimeValue, out var lifetimeError) || lifetimeValue <= TimeSpan.Zero)
            {
                error = $"--connection-lifetime: {(lifetimeValue <= TimeSpan.Zero && lifetimeError.Length == 0 ? "must be positive" : lifetimeError)}";
                return false;
            }

            lifetime = lifetimeValue;
        }

        var messagesPerConnection = parse.GetValue(_messagesPerConnection);
        if (messagesPerConnection < 0)
        {
            error = $"--messages-per-connection must be at least 1 (got {messagesPerConnection})";
            return false;
        }

        var churn = messagesPerConnection > 0 || lifetime is not null || parse.GetValue(_reconnect);
        if (churn && (rate is not null || (steps is not null && steps.Any(s => s.Kind is LoadStepKind.Inject or LoadStepKind.RampingInject))))
        {
            error = "--messages-per-connection, --connection-lifetime and --reconnect need the closed model (-c); the open model (--rate) does not support them";
            return false;
        }

        if (!TryTls(parse, out var tls, out error))
        {
            return false;
        }

        TimeSpan? spin = null;
        if (parse.GetValue(_spin) is { } spinText)
        {
            if (!DurationText.TryParse(spinText, out var spinValue, out var spinError))
            {
                error = $"--spin: {spinError}";
                return false;
            }

            spin = spinValue;
        }

        var assertions = new List<Assertion>();
        foreach (var text in parse.GetValue(_assert) ?? [])
        {
            if (!AssertionParser.TryParse(text, out var assertion, out error))
            {
                return false;
            }

            assertions.Add(assertion);
        }

        var load = new LoadOptions
        {
            Target = target,
            Connections = parse.GetValue(_connections),
            Pipeline = parse.GetValue(_pipeline),
            Sizes = sizes,
            Duration = duration,
            Warmup = warmup,
            Rate = rate,
            Arrival = arrival,
            Steps = steps,
            Framing = framing,
            Expect = expect,
            Timeout = timeout,
            DrainTimeout = drainTimeout,
            ConnectRate = connectRate,
            ConnectTimeout = connectTimeout,
            Start = start,
            FirstReplyTimeout = firstReplyTimeout,
            MessagesPerConnection = messagesPerConnection,
            ConnectionLifetime = lifetime,
            Reconnect = parse.GetValue(_reconnect),
            Threads = Math.Max(0, parse.GetValue(_threads)),
            MaxInFlight = Math.Max(0, parse.GetValue(_maxInFlight)),
            Spin = spin,
            Seed = parse.GetValue(_seed),
            AllowPrivateNetwork = parse.GetValue(_allowPrivate),
            Tls = tls,
        };

        if (TargetPolicy.Refusal(target.Address, load.AllowPrivateNetwork) is { } refusal)
        {
            error = refusal;
            return false;
        }

        if (duration <= TimeSpan.Zero && steps is null)
        {
            error = "--duration must be positive";
            return false;
        }

        bound = new BoundRunOptions(load, assertions, parse.GetValue(_json), parse.GetValue(_csv), parse.GetValue(_hdr),
            parse.GetValue(_report), parse.GetValue(_plain), parse.GetValue(_quiet));
        return true;
    }

    /// <summary><c>--tls</c> and its trust options, checked as <c>echo-client</c> checks them; null without <c>--tls</c>.</summary>
    private bool TryTls(ParseResult parse, out Engine.Tls.TlsClientOptions? tls, out string error)
    {
        tls = null;
        error = string.Empty;
        var insecure = parse.GetValue(_insecure);
        var ca = parse.GetValue(_ca);
        var sni = parse.GetValue(_sni);
        if (!parse.GetValue(_tls))
        {
            if (insecure || ca is not null || sni is not null)
            {
                error = "--insecure, --ca and --sni need --tls";
                return false;
            }

            return true;
        }

        if (insecure && ca is not null)
        {
            error = "--insecure and --ca cannot go together: --ca trusts a certificate, --insecure trusts any";
            return false;
        }

        if (ca is not null && !File.Exists(ca))
        {
            error = $"--ca: file '{ca}' does not exist";
            return false;
        }

        if (sni is { Length: 0 })
        {
            error = "--sni: the server name is empty";
            return false;
        }

        tls = new Engine.Tls.TlsClientOptions { Insecure = insecure, CaFile = ca is null ? null : Path.GetFullPath(ca), Sni = sni };
        return true;
    }

    private static Option Hide(Option option)
    {
        option.Hidden = true;
        return option;
    }

    private static bool TryPositive(int value, string name, out string error)
    {
        error = value >= 1 ? string.Empty : $"{name} must be at least 1 (got {value})";
        return value >= 1;
    }

    private static bool TryDuration(ParseResult parse, Option<string> option, out TimeSpan value, out string error)
    {
        if (DurationText.TryParse(parse.GetValue(option), out value, out var reason))
        {
            error = string.Empty;
            return true;
        }

        error = $"{option.Name}: {reason}";
        return false;
    }
}
