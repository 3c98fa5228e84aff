using System.CommandLine;
using System.Text.Json;
using EchoServers.Load.Distributed;
using EchoServers.Load.Reports;

namespace EchoServers.Load.Cli;

/// <summary>
/// <c>echo-load merge a.json b.json …</c>: the one result of several shares of a load (from several machines, or
/// the children of <c>run --processes</c>), with the same outputs as <c>run</c>.
/// </summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("results") { Description = "JSON results of run (--json), one per share", Arity = ArgumentArity.OneOrMore };
        var json = new Option<string?>("--json") { Description = "Write the merged result as JSON to this file" };
        var csv = new Option<string?>("--csv") { Description = "Write the merged per-second series as CSV to this file" };
        var hdr = new Option<string?>("--hdr") { Description = "Write the merged histograms as an HdrHistogram log to this file" };
        var report = new Option<string?>("--report") { Description = "Write report.md and report.html into this directory" };
        var command = new Command("merge", "Merge the JSON results of several shares of one load into one report (histograms added exactly).")
        {
            files, json, csv, hdr, report,
        };
        command.SetAction(parse =>
        {
            var parts = new List<(string, LoadResult)>();
            try
            {
                foreach (var file in parse.GetValue(files)!)
                {
                    parts.Add((Path.GetFileName(file), JsonReport.Read(file)));
                }

                var merged = ResultMerger.Merge(parts);
                Console.Out.Write(SummaryText.Format(merged));
                Write(merged, parse.GetValue(json), parse.GetValue(csv), parse.GetValue(hdr), parse.GetValue(report));
                return 0;
            }
            catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"echo-load: merge: {ex.Message}");
                return RunCommand.UsageError;
            }
        });
        return command;
    }

    /// <summary>The outputs of a merged result, as <c>run</c> writes them.</summary>
    public static void Write(LoadResult result, string? json, string? csv, string? hdr, string? report)
    {
        if (json is not null)
        {
            JsonReport.Write(result, json);
        }

        if (csv is not null)
        {
            CsvReport.Write(result, csv);
        }

        if (hdr is not null)
        {
            HdrLogReport.Write(result, hdr, DateTime.UtcNow);
        }

        if (report is not null)
        {
            HtmlReport.WriteDirectory(result, report);
        }
    }
}
