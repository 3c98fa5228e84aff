using System.Globalization;

namespace EchoServers.Tests.Metrics;

/// <summary>One Prometheus text-format scrape, parsed: each sample's name, labels (as written) and value.</summary>
internal sealed class Scrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private Scrape(IReadOnlyList<(string Name, string Labels, double Value)> samples, string text)
    {
        Samples = samples;
        Text = text;
    }

    public IReadOnlyList<(string Name, string Labels, double Value)> Samples { get; }

    public string Text { get; }

    public static async Task<Scrape> GetAsync(Uri url)
    {
        var text = await Http.GetStringAsync(url);
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var series = line[..space];
            var brace = series.IndexOf('{', StringComparison.Ordinal);
            var name = brace < 0 ? series : series[..brace];
            var labels = brace < 0 ? "" : series[(brace + 1)..^1];
            samples.Add((name, labels, double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return new Scrape(samples, text);
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain <paramref name="label"/> (or all).</summary>
    public double Sum(string name, string? label = null) =>
        Samples.Where(s => s.Name == name && (label is null || s.Labels.Contains(label, StringComparison.Ordinal))).Sum(s => s.Value);

    /// <summary>The samples of <paramref name="name"/>.</summary>
    public IEnumerable<(string Name, string Labels, double Value)> Of(string name) => Samples.Where(s => s.Name == name);
}
