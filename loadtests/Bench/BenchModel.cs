namespace EchoServers.Load.Bench;

/// <summary>
/// One row of the bench: an <c>echo-server</c> model with its arguments, or an external <c>--reference</c>
/// server. <c>pool</c> runs with its defaults (5 workers, queue 100: the classic lesson's Python pool, which serves 5
/// connections at once); <c>pool:N</c> runs <c>--workers N</c> and is labelled <c>pool(N)</c>. <c>async:T</c> and
/// <c>kestrel:T</c> run <c>--transport T</c> (sockets or epoll) and keep that label, so both transports appear side by
/// side; plain <c>async</c>/<c>kestrel</c> run the server's default transport (epoll on Linux).
/// </summary>
/// <param name="Label">Row name in the report.</param>
/// <param name="Model">The <c>--model</c> value; null for the reference.</param>
/// <param name="ExtraArgs">Further server arguments for this row (e.g. <c>--workers 64</c>).</param>
/// <param name="ReferenceCommand">The reference's command template with <c>{port}</c>; null for our models.</param>
/// <param name="MaxServed">Connections it serves at once by design (pool), or null when unbounded.</param>
public sealed record BenchModel(string Label, string? Model, IReadOnlyList<string> ExtraArgs, string? ReferenceCommand = null, int? MaxServed = null)
{
    /// <summary>The models of the default run, in report order.</summary>
    public const string DefaultList = "threads,pool,async,eventloop,kestrel";

    /// <summary>The models of <c>--quick</c>: the pool with enough workers for its 50 connections (see docs/bench.md).</summary>
    public const string QuickList = "threads,pool:64,async,eventloop,kestrel";

    /// <summary>Workers of <c>echo-server --model pool</c> when not given.</summary>
    public const int PoolDefaultWorkers = 5;

    private static readonly string[] Known = ["threads", "pool", "async", "eventloop", "kestrel"];

    /// <summary>Whether this row is the external reference server.</summary>
    public bool IsReference => ReferenceCommand is not null;

    /// <summary>Whether this row can run <paramref name="cell"/>.</summary>
    public bool CanRun(BenchCell cell) => (!IsReference || cell.ReferenceCanJoin) && (!cell.Tls || ServesTls);

    /// <summary>Whether <c>echo-server --tls</c> runs for this row: not the event loop (it refuses it), not the reference (raw echo only); TLS runs on any transport.</summary>
    public bool ServesTls => !IsReference && Model != "eventloop";

    /// <summary>The <c>--transport</c> in <see cref="ExtraArgs"/>, or null for the server's default.</summary>
    public string? Transport
    {
        get
        {
            var at = ExtraArgs.ToList().IndexOf("--transport");
            return at >= 0 && at + 1 < ExtraArgs.Count ? ExtraArgs[at + 1] : null;
        }
    }

    /// <summary>The reference row for <paramref name="commandTemplate"/>, labelled <paramref name="label"/> or by its program's file name.</summary>
    public static BenchModel Reference(string commandTemplate, string? label = null)
    {
        var words = CommandLine.Split(commandTemplate);
        label ??= words.Count > 0 ? Path.GetFileName(words[0]) : "reference";
        return new BenchModel(label, null, [], commandTemplate);
    }

    /// <summary>Parses <c>--models</c>: <c>threads,pool,pool:64,async,eventloop,kestrel</c>.</summary>
    public static bool TryParseList(string text, out IReadOnlyList<BenchModel> models, out string error)
    {
        var result = new List<BenchModel>();
        models = result;
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':', 2);
            var name = parts[0].ToLowerInvariant();
            if (!Known.Contains(name))
            {
                error = $"--models: unknown model '{parts[0]}'; known: {string.Join(", ", Known)} (pool:N for N workers, async:sockets|epoll, kestrel:sockets|epoll)";
                return false;
            }

            BenchModel model;
            if (parts.Length == 2 && name is "async" or "kestrel")
            {
                var transport = parts[1].ToLowerInvariant();
                if (transport is not ("sockets" or "epoll"))
                {
                    error = $"--models: '{item}' is not valid; {name} takes a transport, {name}:sockets or {name}:epoll";
                    return false;
                }

                model = new BenchModel($"{name}:{transport}", name, ["--transport", transport]);
            }
            else if (parts.Length == 2)
            {
                if (name != "pool" || !int.TryParse(parts[1], out var workers) || workers is < 1 or > 10_000)
                {
                    error = $"--models: '{item}' is not valid; only pool takes a worker count, pool:N with N from 1 to 10000";
                    return false;
                }

                model = new BenchModel($"pool({workers})", "pool", ["--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture)], MaxServed: workers);
            }
            else
            {
                model = name == "pool" ? new BenchModel("pool", "pool", [], MaxServed: PoolDefaultWorkers) : new BenchModel(name, name, []);
            }

            if (result.Any(m => m.Label == model.Label))
            {
                error = $"--models: '{model.Label}' is listed twice";
                return false;
            }

            result.Add(model);
        }

        error = result.Count == 0 ? "--models: no model named" : string.Empty;
        return result.Count > 0;
    }
}
