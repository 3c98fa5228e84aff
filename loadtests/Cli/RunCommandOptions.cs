using System.CommandLine;
using EchoServers.Load.Assertions;
using EchoServers.Load.Engine;
using EchoServers.Load.Simulations;
using EchoServers.Options;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Cli;

/// <summary>
/// The options of <c>run</c>, typed: durations, rates, sizes and counts are parsed by the parsers echo-server and
/// echo-client use too (<see cref="ValueParsers"/>), so a bad value is one line, <c>--name: what is wrong</c>, before
/// anything runs; what is checked here is how the options go together.
/// </summary>
internal sealed class RunCommandOptions
{
    private readonly Option<string> _target = new("--target", "-t") { Description = "Server address, e.g. 127.0.0.1:1688 (loopback only unless --allow-private-network)", Required = true };
    private readonly ValueOption<int> _connections = new("--connections", ValueParsers.Count(1, 1_000_000), "Connections (closed model: each keeps --pipeline messages in flight; open model: --rate is spread over them)", "50", "-c");
    private readonly ValueOption<int> _pipeline = new("--pipeline", ValueParsers.Count(1, 100_000), "Messages in flight per connection (closed model)", "1", "-p");
    private readonly ValueOption<SizeSpec> _size = new("--size", SizeSpec.TryParse, "Message payload size, or a uniform range: 64, 4KiB, 64..1024", "64", "-s") { HelpName = "size" };
    private readonly ValueOption<TimeSpan> _duration = new("--duration", ValueParsers.PositiveDuration, "Measured duration (without --load)", "10s", "-d") { HelpName = "duration" };
    private readonly ValueOption<TimeSpan> _warmup = new("--warmup", ValueParsers.Duration, "Load before measuring, not counted", "1s") { HelpName = "duration" };
    private readonly ValueOption<double> _rate = new("--rate", ValueParsers.PositiveRate, "Open model: messages per second in total, fractional allowed (500, 0.5, 30/m)", null, "-r") { HelpName = "rate" };
    private readonly ValueOption<ArrivalKind> _arrival = new("--arrival", ValueParsers.Choice<ArrivalKind>(), "Open model spacing", "even") { HelpName = "even|poisson" };
    private readonly Option<string?> _load = new("--load", "-l") { Description = "Load simulations in sequence, e.g. \"ramping-constant 0..1000 over 10s, keep-constant 1000 for 30s\" or \"inject 500/s for 10s, ramping-inject 500..2000/s over 20s\"" };
    private readonly ValueOption<FramingKind> _framing = new("--framing", ValueParsers.Choice<FramingKind>(), "Wire framing: raw (replies matched by byte count), line or length", "raw", "-f") { HelpName = "raw|line|length" };
    private readonly ValueOption<TransformKind> _expect = new("--expect", ValueParsers.Choice<TransformKind>(), "A correct reply", "echo") { HelpName = "echo|upper" };
    private readonly ValueOption<TimeSpan> _timeout = new("--timeout", ValueParsers.PositiveDuration, "A reply later than this after its message was due is a timeout", "5s") { HelpName = "duration" };
    private readonly ValueOption<TimeSpan> _drainTimeout = new("--drain-timeout", ValueParsers.Duration, "How long to wait for outstanding replies after the last message", "5s") { HelpName = "duration" };
    private readonly ValueOption<double> _connectRate = new("--connect-rate", ValueParsers.PositiveRate, "New connections per second (default: a storm, as fast as they complete)") { HelpName = "rate" };
    private readonly ValueOption<StartMode> _start = new("--start", ValueParsers.Choice<StartMode>(), "immediate: each connection sends once it is up, while others still connect; together: all connect first, then the load starts", "immediate") { HelpName = "immediate|together" };
    private readonly ValueOption<TimeSpan> _firstReplyTimeout = new("--first-reply-timeout", ValueParsers.PositiveDuration, "A connection without a reply this long after its connect began is counted as starved", "5s") { HelpName = "duration" };
    private readonly ValueOption<TimeSpan> _connectTimeout = new("--connect-timeout", ValueParsers.PositiveDuration, "Longest wait for one connection", "5s") { HelpName = "duration" };
    private readonly ValueOption<int> _messagesPerConnection = new("--messages-per-connection", ValueParsers.Count(1, int.MaxValue), "Churn (closed model): close each connection after its M-th reply and connect again; 1 = one connection per message");
    private readonly ValueOption<TimeSpan> _connectionLifetime = new("--connection-lifetime", ValueParsers.PositiveDuration, "Churn (closed model): close each connection this long after it was established (once its replies are in) and connect again, e.g. 500ms") { HelpName = "duration" };
    private readonly Option<bool> _reconnect = new("--reconnect") { Description = "Churn (closed model): reopen a connection that failed, was refused or reset, after a short back-off (10 ms, doubling per failure in a row); counted" };
    private readonly ValueOption<int> _threads = new("--threads", ValueParsers.Count(0, 1024), "I/O threads; 0 or absent: one per core this process may use");
    private readonly ValueOption<int> _maxInFlight = new("--max-inflight", ValueParsers.Count(0, 1_000_000), "Open model: messages in flight per connection before new ones count as overflow; 0 or absent: enough for --timeout at the peak rate");
    private readonly ValueOption<TimeSpan> _spin = new("--spin", ValueParsers.Duration, "Open model: poll this long before each due time instead of sleeping (lower send lateness, more CPU); default 20us with more than one core, else 0us") { HelpName = "duration" };
    private readonly ValueOption<int> _seed = new("--seed", ValueParsers.Count(int.MinValue, int.MaxValue), "Seed of the Poisson arrivals", "1");
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
        if (!TargetPolicy.TryParse(parse.GetValue(_target) ?? string.Empty, out var target, out error))
        {
            return false;
        }

        var rate = _rate.Get(parse);
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

        var lifetime = _connectionLifetime.Get(parse);
        var messagesPerConnection = _messagesPerConnection.Get(parse) ?? 0;
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
            Connections = _connections.ValueIn(parse),
            Pipeline = _pipeline.ValueIn(parse),
            Sizes = _size.ValueIn(parse),
            Duration = _duration.ValueIn(parse),
            Warmup = _warmup.ValueIn(parse),
            Rate = rate,
            Arrival = _arrival.ValueIn(parse),
            Steps = steps,
            Framing = _framing.ValueIn(parse),
            Expect = _expect.ValueIn(parse),
            Timeout = _timeout.ValueIn(parse),
            DrainTimeout = _drainTimeout.ValueIn(parse),
            ConnectRate = _connectRate.Get(parse) ?? 0,
            ConnectTimeout = _connectTimeout.ValueIn(parse),
            Start = _start.ValueIn(parse),
            FirstReplyTimeout = _firstReplyTimeout.ValueIn(parse),
            MessagesPerConnection = messagesPerConnection,
            ConnectionLifetime = lifetime,
            Reconnect = parse.GetValue(_reconnect),
            Threads = _threads.Get(parse) ?? 0,
            MaxInFlight = _maxInFlight.Get(parse) ?? 0,
            Spin = _spin.Get(parse),
            Seed = _seed.ValueIn(parse),
            AllowPrivateNetwork = parse.GetValue(_allowPrivate),
            Tls = tls,
        };

        if (TargetPolicy.Refusal(target.Address, load.AllowPrivateNetwork) is { } refusal)
        {
            error = refusal;
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
}
