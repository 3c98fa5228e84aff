using System.CommandLine;
using EchoServers.Load.Cli;
using EchoServers.Load.Engine;
using EchoServers.Options;

namespace EchoServers.Load.Distributed;

/// <summary>The options of <c>run</c> that divide one load among generators: <c>--share</c>, <c>--start-at</c>, <c>--processes</c>.</summary>
internal sealed class DistributedRunOptions
{
    private readonly Option<string?> _share = new("--share") { Description = "Run the i-th of N equal shares of this load (connections and rate split exactly), e.g. 2/4; merge the results with 'echo-load merge'" };
    private readonly Option<string?> _startAt = new("--start-at") { Description = "Connect, then wait for this UTC time to start warm-up and measuring (every share together), e.g. 2026-12-02T18:00:00Z" };
    private readonly ValueOption<int> _processes = new("--processes", ValueParsers.Count(1, 64), "Run the load as this many child processes (each its own share, source addresses and descriptor limit), merged exactly", "1");

    public IEnumerable<Option> All => [_share, _startAt, _processes];

    /// <summary>Applies <c>--share</c> and <c>--start-at</c> (and the barrier of a parent <c>--processes</c>) to <paramref name="bound"/>.</summary>
    public bool TryApply(ParseResult parse, ref BoundRunOptions bound, out int processes, out string error)
    {
        processes = _processes.ValueIn(parse);
        error = string.Empty;

        var load = bound.Load;
        if (processes > 1 && load.Tls is not null)
        {
            error = "--processes with --tls is not supported: one TLS process uses every core already (its tasks run on the thread pool); run shares with --share and add them with 'echo-load merge'";
            return false;
        }

        if (parse.GetValue(_share) is { } shareText)
        {
            if (processes > 1)
            {
                error = "--share and --processes both divide the load; use one";
                return false;
            }

            if (!Share.TryParse(shareText, out var share, out error))
            {
                return false;
            }

            try
            {
                load = share.Apply(load);
            }
            catch (LoadSetupException ex)
            {
                error = ex.Message;
                return false;
            }
        }

        if (parse.GetValue(_startAt) is { } startText)
        {
            if (!StartAt.TryParse(startText, out var utc, out error))
            {
                return false;
            }

            load = load with { StartGate = StartAt.Gate(utc, warning => Console.Error.WriteLine($"echo-load: {warning}")) };
        }

        if (ProcessFanOut.IsChild)
        {
            load = load with { StartGate = ProcessFanOut.ChildBarrier };
        }

        bound = bound with { Load = load };
        return true;
    }
}
