using System.Globalization;
using System.Net;
using System.Text;

namespace EchoServers.Load.Reports;

/// <summary>A minimal line chart as inline SVG (no scripts, no external files): the report stays one self-contained page.</summary>
internal static class SvgChart
{
    private const int Width = 720;
    private const int Height = 300;
    private const int Left = 70;
    private const int Bottom = 40;
    private const int Top = 20;
    private const int Right = 20;
    /// <summary>Series colours, shared with <see cref="SvgBarChart"/> so a model has one colour on every chart.</summary>
    internal static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>Draws each series (x, y) with linear axes; <paramref name="xLabel"/> optionally relabels x ticks.</summary>
    public static string Lines(
        string title, string xTitle, string yTitle, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        Func<double, string>? xLabel = null, Func<double, string>? yLabel = null)
    {
        var points = series.SelectMany(s => s.Points).ToArray();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#999\"/>");
        if (points.Length == 0)
        {
            svg.Append("<text x=\"100\" y=\"100\">no data</text></svg>");
            return svg.ToString();
        }

        var (minX, maxX) = (points.Min(p => p.X), points.Max(p => p.X));
        var maxY = Math.Max(points.Max(p => p.Y), 1e-9) * 1.05;
        if (maxX <= minX)
        {
            maxX = minX + 1;
        }

        double Px(double x) => Left + ((x - minX) / (maxX - minX) * (Width - Left - Right));
        double Py(double y) => Height - Bottom - (y / maxY * (Height - Top - Bottom));
        xLabel ??= x => x.ToString("0.##", CultureInfo.InvariantCulture);
        yLabel ??= y => y.ToString("0.##", CultureInfo.InvariantCulture);
        for (var i = 0; i <= 4; i++)
        {
            var y = maxY * i / 4;
            var x = minX + ((maxX - minX) * i / 4);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Py(y):0.#}\" y2=\"{Py(y):0.#}\" stroke=\"#eee\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 5}\" y=\"{Py(y) + 4:0.#}\" font-size=\"11\" text-anchor=\"end\">{WebUtility.HtmlEncode(yLabel(y))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Px(x):0.#}\" y=\"{Height - Bottom + 15}\" font-size=\"11\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel(x))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 5}\" font-size=\"12\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xTitle)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{WebUtility.HtmlEncode(yTitle)}</text>");
        for (var s = 0; s < series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            var path = string.Join(' ', series[s].Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(p.X):0.#},{Py(p.Y):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 10}\" y=\"{Top + 15 + (s * 14)}\" font-size=\"12\" fill=\"{colour}\">{WebUtility.HtmlEncode(series[s].Name)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }
}
