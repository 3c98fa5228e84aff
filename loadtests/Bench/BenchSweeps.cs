using EchoServers.Load.Engine;
using EchoServers.Load.Reports;
using EchoServers.Load.Sweep;

namespace EchoServers.Load.Bench;

/// <summary>
/// <c>bench --sweep</c>: one capacity sweep per row, one after the other, each against the row's server (started and
/// JIT-warmed as for the cells), so every model lands on one latency-vs-throughput chart.
/// </summary>
internal static class BenchSweeps
{
    /// <summary>Connections each sweep spreads its rate over (fewer for a pool: it serves only its workers).</summary>
    public const int Connections = 50;

    public static async Task<IReadOnlyList<SweepResult>> RunAsync(
        BenchSettings settings, SweepSettings sweep, BenchServers servers, bool pinned, TextWriter progress, CancellationToken cancellationToken)
    {
        var results = new List<SweepResult>();
        foreach (var model in settings.Rows)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var slot = await servers.GetAsync(model, null, 1, tls: false, cancellationToken);
            if (slot.Error is { } error)
            {
                await progress.WriteLineAsync($"bench: sweep of {model.Label} not run: {error}");
                continue;
            }

            var options = new LoadOptions
            {
                Target = slot.Process.EndPoint!,
                Connections = Math.Min(Connections, model.MaxServed ?? Connections),
                Timeout = settings.ReplyTimeout,
                DrainTimeout = settings.DrainTimeout,

                // As the cells: pinned to one core, one I/O thread that sleeps until each due time.
                Threads = pinned ? 1 : 0,
                Spin = pinned ? TimeSpan.Zero : null,
            };
            await progress.WriteLineAsync($"bench: sweep {model.Label}: {sweep.ObjectiveText}, from {Format.Rate(sweep.StartRate)} msgs/s, {sweep.StepDuration.TotalSeconds:0.#}s per step");
            var runner = new SweepRunner(sweep, SweepRunner.EngineStep(options, sweep), step => progress.WriteLine($"  {model.Label,-12} {SweepReport.StepLine(step)}"));
            try
            {
                var result = await runner.RunAsync(model.Label, options.Target.ToString(), $"open model over {options.Connections} connections, raw framing, 64 B", cancellationToken);
                results.Add(result);
                await progress.WriteLineAsync($"bench: sweep {model.Label}: {result.Conclusion}");
            }
            catch (LoadSetupException ex)
            {
                await progress.WriteLineAsync($"bench: sweep of {model.Label} failed: {ex.Message}");
            }
        }

        return results;
    }
}
