using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>Writes a bench's report directory: bench.md, bench.html (self-contained, inline SVG charts), bench.json.</summary>
public static class BenchReport
{
    public const string MarkdownFile = "bench.md";
    public const string HtmlFile = "bench.html";
    public const string JsonFile = "bench.json";

    public static void WriteDirectory(BenchResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), BenchMarkdownReport.Markdown(result));
        File.WriteAllText(Path.Combine(directory, HtmlFile), BenchHtmlReport.Html(result));
        File.WriteAllText(Path.Combine(directory, JsonFile), BenchJsonReport.Serialize(result) + "\n");
    }

    /// <summary>A rate in few characters: 950, 11.4k, 141.5k, 1.82M.</summary>
    public static string Compact(double rate) => rate switch
    {
        < 1000 => rate.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
        < 1_000_000 => (rate / 1000).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "k",
        _ => (rate / 1_000_000).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "M",
    };

    /// <summary><c>median [min–max]</c> of a rate, or a dash.</summary>
    public static string RateSpread(Spread? spread) =>
        spread is null ? "—" : spread.Count == 1 || spread.Min == spread.Max ? Compact(spread.Median) : $"{Compact(spread.Median)} [{Compact(spread.Min)}–{Compact(spread.Max)}]";

    /// <summary><c>×0.93 [0.90–0.97]</c>, or a dash.</summary>
    public static string RatioSpread(Spread? spread) =>
        spread is null ? "—" : spread.Count == 1 || spread.Min == spread.Max ? Ratio(spread.Median) : $"{Ratio(spread.Median)} [{Number(spread.Min)}–{Number(spread.Max)}]";

    public static string Ratio(double ratio) => "×" + Number(ratio);

    public static string Number(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>µs per message with enough digits to compare models: 7.12, 0.61.</summary>
    public static string CpuUs(Spread? spread) =>
        spread is null ? "—" : spread.Count == 1 || spread.Min == spread.Max ? Number(spread.Median) : $"{Number(spread.Median)} [{Number(spread.Min)}–{Number(spread.Max)}]";

    /// <summary>The setup's cost of a system call on this machine, to compare reports from different machines.</summary>
    public static string SyscallCosts(BenchMachine m) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"System call cost here: null call (getppid) {m.NullSyscallNs:0} ns, recv returning EAGAIN {m.EagainRecvNs:0} ns.");

    public static string KiB(double bytes) => (bytes / 1024).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " KiB";

    public static string MiB(double bytes) => (bytes / 1024 / 1024).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " MiB";
}
