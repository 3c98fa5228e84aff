using System.CommandLine;
using System.Globalization;
using EchoServers.Load.Bench;
using EchoServers.Options;

namespace EchoServers.Load.Cli;

/// <summary>The options of <c>bench</c>, typed with the shared parsers (<see cref="ValueParsers"/>): every mistake gets one clear line.</summary>
internal sealed class BenchCommandOptions
{
    private readonly Option<string?> _models = new("--models", "-m") { Description = $"Rows, comma-separated: threads, pool (its defaults: 5 workers), pool:N (N workers), async, eventloop, kestrel; async:sockets|epoll and kestrel:sockets|epoll pick the transport (default: the server's, epoll on Linux) [default: {BenchModel.DefaultList}; --quick: {BenchModel.QuickList}]" };
    private readonly Option<string?> _cells = new("--cells") { Description = $"Cells, comma-separated, from: {string.Join(", ", BenchCells.All.Select(c => c.Name))} [default: all but c100k (long: 100,000 connections for 60 s; name it to run it); --quick: {string.Join(",", BenchCells.QuickNames)}]" };
    private readonly Option<string[]> _reference = new("--reference") { Description = "External raw echo servers as extra rows, repeatable: c, go, dotnetty (the servers of the repository's reference/ folder, built on first use; a list: c,go,dotnetty), or a command with {port}, e.g. \"/opt/echo {port}\". The first is the one ratios are to (skips --work and TLS cells)", Arity = ArgumentArity.OneOrMore };
    private readonly ValueOption<int> _passes = new("--passes", ValueParsers.Count(1, 1000), "Passes over every cell and row, interleaved [default: 3; --quick: 1]");
    private readonly ValueOption<TimeSpan> _duration = new("--duration", ValueParsers.PositiveDuration, "Measured time per run [default: 3s; --quick: 2s]", null, "-d") { HelpName = "duration" };
    private readonly ValueOption<TimeSpan> _warmup = new("--warmup", ValueParsers.Duration, "Load before each run's measurement, not counted [default: 1s; --quick: 0.5s]") { HelpName = "duration" };
    private readonly ValueOption<TimeSpan> _jitWarmup = new("--jit-warmup", ValueParsers.Duration, "Load on each server when first started, before any cell (tiered JIT) [default: 5s; --quick: 2s]") { HelpName = "duration" };
    private readonly Option<string?> _out = new("--out", "-o") { Description = "Report directory [default: bench-results/<UTC timestamp>]" };
    private readonly Option<bool> _quick = new("--quick") { Description = "CI smoke test, under a minute: 2 cells, 1 pass, 2s; exit 1 on any error, failed run or unclean server exit" };
    private readonly Option<string?> _serverCmd = new("--server-cmd") { Description = "Command that starts echo-server (model options are appended), e.g. \"dotnet path/echo-server.dll\" [default: the echo-server built next to echo-load]" };
    private readonly Option<bool> _noPin = new("--no-pin") { Description = "Do not pin servers and generator to separate CPUs" };

    private readonly Option<bool> _sweep = new("--sweep") { Description = "Also sweep each row's capacity under --objective (one sweep per row, in turn) and draw every row on one latency-vs-throughput chart; without --cells, only the sweeps run" };
    private readonly Option<string[]> _objective = new("--objective") { Description = "The sweep's objective, --assert vocabulary, repeatable [default: p99<1ms]", Arity = ArgumentArity.ZeroOrMore };
    private readonly ValueOption<double> _sweepStart = new("--sweep-start-rate", ValueParsers.PositiveRate, "The sweep's first rate, msgs/s", "1000") { HelpName = "rate" };
    private readonly ValueOption<TimeSpan> _stepDuration = new("--step-duration", ValueParsers.PositiveDuration, "Measured time of each sweep step (after --warmup); see sweep --help", SweepCommandOptions.DefaultStepDuration) { HelpName = "duration" };
    private readonly ValueOption<int> _confirm = new("--sweep-confirm", ValueParsers.Count(0, 10), "Re-runs of a failing sweep step before it counts; see sweep --confirm", "1");

    public IEnumerable<Option> All => [_models, _cells, _reference, _passes, _duration, _warmup, _jitWarmup, _out, _quick, _serverCmd, _noPin, _sweep, _objective, _sweepStart, _stepDuration, _confirm];

    public bool TryBind(ParseResult parse, DateTime nowUtc, out BenchSettings settings, out string error)
    {
        settings = null!;
        var quick = parse.GetValue(_quick);
        if (!BenchModel.TryParseList(parse.GetValue(_models) ?? (quick ? BenchModel.QuickList : BenchModel.DefaultList), out var models, out error)
            || !TryCells(parse, quick, out var cells, out error))
        {
            return false;
        }

        var duration = _duration.Get(parse) ?? TimeSpan.FromSeconds(quick ? 2 : 3);
        var warmup = _warmup.Get(parse) ?? TimeSpan.FromMilliseconds(quick ? 500 : 1000);
        var jitWarmup = _jitWarmup.Get(parse) ?? TimeSpan.FromSeconds(quick ? 2 : 5);
        var passes = _passes.Get(parse) ?? (quick ? 1 : 3);

        if (!BenchReferences.TryParse(parse.GetValue(_reference) ?? [], models, out var references, out var builds, out error))
        {
            return false;
        }

        IReadOnlyList<string>? serverCommand = null;
        if (parse.GetValue(_serverCmd) is { } serverText)
        {
            serverCommand = CommandLine.Split(serverText);
            if (serverCommand.Count == 0)
            {
                error = "--server-cmd is empty";
                return false;
            }
        }

        Sweep.SweepSettings? sweep = null;
        if (parse.GetValue(_sweep))
        {
            var objective = new List<Assertions.Assertion>();
            foreach (var text in parse.GetValue(_objective) is { Length: > 0 } given ? given : ["p99<1ms"])
            {
                if (!Assertions.AssertionParser.TryParse(text, out var assertion, out error))
                {
                    error = error.Replace("--assert", "--objective", StringComparison.Ordinal);
                    return false;
                }

                objective.Add(assertion);
            }

            sweep = new Sweep.SweepSettings
            {
                Objective = objective,
                StartRate = _sweepStart.ValueIn(parse),
                StepDuration = _stepDuration.ValueIn(parse),
                Warmup = warmup,
                Confirm = _confirm.ValueIn(parse),
            };
        }

        settings = new BenchSettings
        {
            Models = models,
            Cells = cells,
            References = references,
            ReferenceBuilds = builds,
            Passes = passes,
            Duration = duration,
            Warmup = warmup,
            JitWarmup = jitWarmup,
            OutDirectory = parse.GetValue(_out) ?? Path.Combine("bench-results", nowUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)),
            Quick = quick,
            ServerCommand = serverCommand,
            Pin = !parse.GetValue(_noPin),
            Sweep = sweep,
        };
        return true;
    }

    /// <summary>--cells, or its default: every cell (--quick: two), none when --sweep runs alone.</summary>
    private bool TryCells(ParseResult parse, bool quick, out IReadOnlyList<BenchCell> cells, out string error)
    {
        if (parse.GetValue(_cells) is null && parse.GetValue(_sweep) && !quick)
        {
            cells = [];
            error = string.Empty;
            return true;
        }

        return BenchCells.TryParse(parse.GetValue(_cells) ?? (quick ? string.Join(',', BenchCells.QuickNames) : string.Join(',', BenchCells.DefaultNames)), out cells, out error);
    }
}
