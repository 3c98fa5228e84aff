using System.CommandLine;
using EchoServers.Load.Compare;
using EchoServers.Options;

namespace EchoServers.Load.Cli;

/// <summary>
/// <c>echo-load compare base.json new.json</c>: two run reports or two bench reports side by side. Exit 0 no
/// regression, 1 a regression beyond <c>--max-regression</c> outside the noise, 2 bad input. Plain text, for CI.
/// </summary>
internal static class CompareCommand
{
    public const int Regression = 1;

    public static Command Create()
    {
        var basePath = new Argument<string>("base") { Description = "The reference report: run --json output, or a bench.json" };
        var newPath = new Argument<string>("new") { Description = "The report to judge, of the same kind" };
        var maxRegression = new ValueOption<double>("--max-regression", ValueParsers.Share, "Worse than the base by more than this (outside the noise) is a regression: exit 1. E.g. 5% or 0.05", "5%") { HelpName = "share" };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the comparison as Markdown to this file (e.g. a CI job summary)" };
        var command = new Command("compare", "Compare two run reports (run --json) or two bench reports (bench.json): rate, latency percentiles, errors, server and generator CPU per message, "
            + "the change, and whether it is beyond the noise of the passes; exit 1 on a regression beyond --max-regression, 2 on bad input.")
        {
            basePath, newPath, maxRegression, markdown,
        };
        command.SetAction(parse => Execute(parse.GetValue(basePath)!, parse.GetValue(newPath)!, maxRegression.ValueIn(parse), parse.GetValue(markdown), Console.Out, Console.Error));
        return command;
    }

    /// <summary>Compares and prints; returns the exit code.</summary>
    public static int Execute(string basePath, string newPath, double threshold, string? markdownPath, TextWriter output, TextWriter errors)
    {
        if (!ReportReader.TryRead(basePath, out var before, out var error) || !ReportReader.TryRead(newPath, out var after, out error))
        {
            errors.WriteLine($"echo-load: {error}");
            return RunCommand.UsageError;
        }

        if (before.Kind != after.Kind)
        {
            errors.WriteLine($"echo-load: {basePath} is a {before.Kind} report and {newPath} a {after.Kind} report; compare two of the same kind");
            return RunCommand.UsageError;
        }

        var comparison = Comparison.Of(before, after, threshold);
        if (comparison.Rows.Count == 0)
        {
            errors.WriteLine($"echo-load: {basePath} and {newPath} have no cell and model in common: nothing to compare");
            return RunCommand.UsageError;
        }

        output.Write(ComparisonText.Plain(comparison));
        if (markdownPath is not null)
        {
            try
            {
                File.WriteAllText(markdownPath, ComparisonText.Markdown(comparison));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"echo-load: --markdown {markdownPath}: {ex.Message}");
                return RunCommand.UsageError;
            }
        }

        return comparison.Regressions.Any() ? Regression : 0;
    }
}
