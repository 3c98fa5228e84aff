using System.Globalization;
using System.Text;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>The bench as Markdown: one table of everything (rows models, columns cells), then one table per figure.</summary>
public static class BenchMarkdownReport
{
    public static string Markdown(BenchResult r)
    {
        var md = new StringBuilder();
        md.AppendLine("# echo-load bench").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{r.CommandLine}`").AppendLine();
        md.AppendLine(Setup(r)).AppendLine();
        md.AppendLine("## Side by side").AppendLine();
        md.AppendLine(Legend(r)).AppendLine();
        md.Append(Table(r)).AppendLine();
        var load = LoadCells(r);
        if (r.Reference is { } reference)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## Throughput ratio to {reference}").AppendLine();
            md.AppendLine($"Median over passes of (rate ÷ {reference}'s rate in the same pass and cell), [min–max]; ≥ 1 is as fast as the reference.").AppendLine();
            md.Append(Grid(r, load, s => BenchReport.RatioSpread(s.RatioToReference)));
            md.AppendLine();
        }

        md.AppendLine("## Server CPU per message").AppendLine();
        md.AppendLine("µs of server CPU (user + system, every thread, from /proc/PID/stat over the measured window) per correct reply; median [min–max] over passes. The least noisy figure: it does not depend on how the host shared the cores.").AppendLine();
        md.Append(Grid(r, load, s => BenchReport.CpuUs(s.ServerCpuUsPerMessage)));
        if (load.Count > 0 && r.Summaries.Any(s => s.ServerSyscallsPerMessage is not null))
        {
            md.AppendLine().AppendLine("## System calls per message").AppendLine();
            md.AppendLine("Server system calls (perf's raw_syscalls:sys_enter counter over the measured window of the first pass) per correct reply. Each call costs about the null-call figure in the setup line, so a row's distance from the reference moves with that cost from machine to machine.").AppendLine();
            md.Append(Grid(r, load, s => s.ServerSyscallsPerMessage is { } calls ? calls.ToString("0.00", CultureInfo.InvariantCulture) : "—"));
        }

        md.AppendLine().AppendLine("## Latency").AppendLine();
        md.AppendLine("p50 / p99 / p99.9, each the median over passes (closed model: from each send; open model: from when each message was due).").AppendLine();
        md.Append(Grid(r, load, s => s.LatencyP50Us is null ? "—" : $"{Format.Us(s.LatencyP50Us.Value)} / {Format.Us(s.LatencyP99Us!.Value)} / {Format.Us(s.LatencyP999Us!.Value)}"));
        md.AppendLine().AppendLine("## Connections and errors").AppendLine();
        md.AppendLine("Connections served (had a measured reply; fewest in any pass) of those requested, connections that failed to connect (most in any pass), and errors over all passes (mismatches in brackets). Nothing is hidden: a pool's waiting and refused connections show here.").AppendLine();
        md.Append(Grid(r, load, s => s.ConnectionsServedMin is null ? "—"
            : $"{s.ConnectionsServedMin:#,0}/{s.ConnectionsRequested:#,0}{(s.ConnectionsFailedMax > 0 ? $", {s.ConnectionsFailedMax:#,0} failed" : string.Empty)}, {s.Errors:#,0} errors{(s.Mismatches > 0 ? $" ({s.Mismatches:#,0} mismatch)" : string.Empty)}{(s.Valid ? string.Empty : ", invalid")}"));
        md.AppendLine().AppendLine("## First reply, starved, fairness").AppendLine();
        md.AppendLine("Per connection: p99 of the time from its connect start to its first reply (median over passes; a connection never answered counts with the time it waited), "
            + "the most connections starved in any pass (no reply within the first-reply timeout, default 5 s), and Jain's fairness index of the per-connection reply counts "
            + "over the measured window (lowest in any pass; 1 = every connection served equally, k/n = k of n connections got everything) with the smallest share (a connection's replies ÷ the mean). "
            + "Storm cells open every connection at once while the open ones talk (`--start immediate`); the other cells connect everything first (`--start together`), "
            + "so their first reply runs from the start of the load. By design the pool serves its workers' connections only: its queued clients show as starved and its refused ones as eof errors.").AppendLine();
        md.Append(Grid(r, load, s => s.FirstReplyP99Us is null ? "—"
            : $"first reply p99 {Format.Us(s.FirstReplyP99Us.Value)} · {s.StarvedMax:#,0} starved · fairness {s.FairnessMin:0.###} (min share {s.MinShareMin:0.##})"));
        md.AppendLine().AppendLine("## Memory").AppendLine();
        md.Append(Memory(r));
        md.Append(SweepReport.BenchSection(r.Sweeps));
        if (r.Notes.Count > 0)
        {
            md.AppendLine().AppendLine("## Notes").AppendLine();
            foreach (var note in r.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        md.AppendLine().AppendLine("## Servers").AppendLine();
        md.AppendLine("| row | --work | command | pid | CPUs | exit |").AppendLine("|---|---|---|---|---|---|");
        foreach (var s in r.Servers)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Model}{(s.Fresh ? " (fresh, idle cell)" : string.Empty)}{(s.Tls ? " (tls)" : string.Empty)} | {s.Work ?? "—"} | `{s.Command}` | {s.ProcessId} | {s.CpusAllowed ?? "?"} | {Exit(s)} |");
        }

        return md.ToString();
    }

    /// <summary>The main table: rows models, columns cells; rate median [min–max], ratio, CPU µs/msg, p99.</summary>
    public static string Table(BenchResult r)
    {
        var load = LoadCells(r);
        return Grid(r, load, s =>
        {
            if (s.MessagesPerSecond is null)
            {
                return s.Failed > 0 ? "not run" : "—";
            }

            var parts = new List<string>();
            if (s.ConnectsPerSecond is { } connects)
            {
                // What a churn cell is about, next to its rate: the connections the model accepted per second.
                parts.Add($"{BenchReport.RateSpread(connects)} connects/s, connect p99 {Format.Us(s.ConnectP99Us ?? 0)}");
            }

            if (s.HandshakeP99Us is { } handshake)
            {
                // What a TLS cell adds: how long the handshakes took against this model.
                parts.Add($"handshake p50 {Format.Us(s.HandshakeP50Us ?? 0)} p99 {Format.Us(handshake)}");
            }

            if (s.RatioToReference is { } ratio)
            {
                parts.Add(BenchReport.Ratio(ratio.Median));
            }

            if (s.ServerCpuUsPerMessage is { } cpu)
            {
                parts.Add($"{BenchReport.Number(cpu.Median)} µs/msg");
            }

            if (s.LatencyP99Us is { } p99)
            {
                parts.Add($"p99 {Format.Us(p99)}");
            }

            if (r.Cells.FirstOrDefault(c => c.Name == s.Cell) is { Storm: true } && s.FirstReplyP99Us is { } firstReply)
            {
                // What a storm cell is about, next to its rate: how long clients waited and how evenly they were served.
                parts.Add($"first reply p99 {Format.Us(firstReply)} · {s.StarvedMax:#,0} starved · fairness {s.FairnessMin:0.##}");
            }

            var flags = (s.Errors > 0 ? " ⚠" : string.Empty) + (s.GeneratorSaturated ? " †" : string.Empty);
            return $"{BenchReport.RateSpread(s.MessagesPerSecond)}{flags}<br>{string.Join(" · ", parts)}";
        });
    }

    private static string Setup(BenchResult r)
    {
        var m = r.Machine;
        var pinning = m.ServerCpu is null ? "not pinned" : $"servers on CPU {m.ServerCpu}, generator on CPU {m.GeneratorCpu}";
        return $"{r.StartedUtc:yyyy-MM-dd HH:mm} UTC, {(r.FinishedUtc - r.StartedUtc).TotalMinutes:0.#} min; {r.Passes} pass(es) interleaved (every cell runs every row, rows rotated each pass); "
            + $"each run {r.WarmupSeconds:0.##}s warm-up + {r.DurationSeconds:0.##}s measured; each server warmed {r.JitWarmupSeconds:0.##}s when first started; "
            + $"{m.Cores} cores, {pinning}; {m.Os}; {m.Runtime}.{(r.Interrupted ? " **Interrupted: partial results.**" : string.Empty)}"
            + (m.NullSyscallNs is not null ? $" {BenchReport.SyscallCosts(m)}" : string.Empty);
    }

    private static string Legend(BenchResult r) =>
        "Each entry: msgs/s median [min–max] over passes; then "
        + (r.Reference is { } reference ? $"the median of paired ratios to {reference} (×), " : string.Empty)
        + "server CPU µs per message (median), p99 latency (median); in storm cells also the p99 time to first reply, the most starved connections and the lowest fairness (see First reply, starved, fairness); in churn cells also connects/s median [min–max] and the p99 connect latency (every connect). ⚠ = errors (see Connections and errors); † = the generator saturated its core in some pass.";

    private static IReadOnlyList<BenchCell> LoadCells(BenchResult r) => [.. r.Cells.Where(c => !c.Idle)];

    private static string Grid(BenchResult r, IReadOnlyList<BenchCell> cells, Func<BenchSummary, string> entry)
    {
        if (cells.Count == 0)
        {
            return "(no load cells)\n";
        }

        var md = new StringBuilder();
        md.AppendLine("| model | " + string.Join(" | ", cells.Select(c => $"{c.Name}<br><small>{c.Title}</small>")) + " |");
        md.AppendLine("|---|" + string.Concat(cells.Select(_ => "---|")));
        foreach (var model in r.Models)
        {
            md.AppendLine($"| **{model}** | " + string.Join(" | ", cells.Select(c => r.Summary(model, c.Name) is { } s ? entry(s) : "—")) + " |");
        }

        return md.ToString();
    }

    private static string Memory(BenchResult r)
    {
        var md = new StringBuilder();
        var idle = r.Cells.FirstOrDefault(c => c.Idle);
        if (idle is not null)
        {
            md.AppendLine($"{idle.Name}: each pass starts a fresh server (warmed {r.WarmupSeconds:0.##}s), reads its RSS, opens the connections, echoes one 16-byte message on each, and reads RSS again. "
                + "Growth ÷ connections held is the cost of an idle connection; RSS ÷ connections (the simplest definition) includes the runtime's fixed cost. Kernel socket buffers are not in RSS.").AppendLine();
        }

        md.AppendLine("| model | " + (idle is null ? string.Empty : $"{idle.Name}: RSS growth per connection held (median [min–max]) | RSS with them open (÷ connections held) | answered, established of requested (fewest in any pass) | ")
            + "RSS under load (median over passes, largest cell) |");
        md.AppendLine("|---|" + (idle is null ? string.Empty : "---|---|---|") + "---|");
        foreach (var model in r.Models)
        {
            var row = new StringBuilder($"| **{model}** | ");
            if (idle is not null)
            {
                var s = r.Summary(model, idle.Name);
                row.Append(s?.IdleBytesPerConnection is { } per
                    ? $"{BenchReport.KiB(per.Median)}{(per.Count > 1 && per.Min < per.Max ? $" [{BenchReport.KiB(per.Min)}–{BenchReport.KiB(per.Max)}]" : string.Empty)} | "
                        + $"{BenchReport.MiB(s.IdleRssBytes ?? 0)} ({BenchReport.KiB((s.IdleRssBytes ?? 0) / Math.Max(1, s.IdleHeldMin ?? 1))}) | "
                        + $"{s.IdleAnsweredMin:#,0} answered, {s.IdleEstablishedMin:#,0} established of {idle.Connections:#,0} | "
                    : "— | — | — | ");
            }

            var largest = r.Summaries.Where(s => s.Model == model && s.ServerRssBytes is not null).MaxBy(s => s.ServerRssBytes);
            row.Append(largest is null ? "— |" : $"{BenchReport.MiB(largest.ServerRssBytes!.Value)} ({largest.Cell}) |");
            md.AppendLine(row.ToString());
        }

        return md.ToString();
    }

    private static string Exit(BenchServer s) =>
        s.Error is { } error ? $"**{error}**" : s.Killed ? $"killed ({s.ExitCode})" : s.ExitCode switch
        {
            null => "?",
            0 => "0",
            143 => "143 (SIGTERM)",
            var code => $"**{code}**",
        };
}
