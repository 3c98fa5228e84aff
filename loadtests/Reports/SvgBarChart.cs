using System.Globalization;
using System.Net;
using System.Text;

namespace EchoServers.Load.Reports;

/// <summary>A bar chart as inline SVG: one bar per model (its median), a whisker for min–max, a label above.</summary>
internal static class SvgBarChart
{
    private const int Height = 260;
    private const int Left = 70;
    private const int Bottom = 40;
    private const int Top = 24;
    private const int BarWidth = 56;
    private const int Gap = 24;

    public static string Bars(string title, string yTitle, IReadOnlyList<Bar> bars, Func<double, string> yLabel)
    {
        var width = Left + 20 + (bars.Count * (BarWidth + Gap));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Height}\" viewBox=\"0 0 {width} {Height}\" role=\"img\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(title)}</title>");
        var maxY = Math.Max(bars.Select(b => Math.Max(b.Max, b.Value)).DefaultIfEmpty(0).Max(), 1e-9) * 1.12;
        double Py(double y) => Height - Bottom - (y / maxY * (Height - Top - Bottom));
        for (var i = 0; i <= 4; i++)
        {
            var y = maxY * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{width - 10}\" y1=\"{Py(y):0.#}\" y2=\"{Py(y):0.#}\" stroke=\"#eee\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 5}\" y=\"{Py(y) + 4:0.#}\" font-size=\"11\" text-anchor=\"end\">{WebUtility.HtmlEncode(yLabel(y))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{WebUtility.HtmlEncode(yTitle)}</text>");
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var x = Left + (Gap / 2) + (i * (BarWidth + Gap));
            var centre = x + (BarWidth / 2.0);
            var colour = SvgChart.Colours[bar.ColourIndex % SvgChart.Colours.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Py(bar.Value):0.#}\" width=\"{BarWidth}\" height=\"{Py(0) - Py(bar.Value):0.#}\" fill=\"{colour}\" opacity=\"0.85\"/>");
            if (bar.Max > bar.Min)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{centre:0.#}\" x2=\"{centre:0.#}\" y1=\"{Py(bar.Min):0.#}\" y2=\"{Py(bar.Max):0.#}\" stroke=\"#000\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{centre - 6:0.#}\" x2=\"{centre + 6:0.#}\" y1=\"{Py(bar.Max):0.#}\" y2=\"{Py(bar.Max):0.#}\" stroke=\"#000\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{centre - 6:0.#}\" x2=\"{centre + 6:0.#}\" y1=\"{Py(bar.Min):0.#}\" y2=\"{Py(bar.Min):0.#}\" stroke=\"#000\"/>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{centre:0.#}\" y=\"{Math.Min(Py(bar.Value), Py(bar.Max)) - 4:0.#}\" font-size=\"11\" text-anchor=\"middle\">{WebUtility.HtmlEncode(bar.Annotation)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{centre:0.#}\" y=\"{Height - Bottom + 15}\" font-size=\"11\" text-anchor=\"middle\">{WebUtility.HtmlEncode(bar.Label)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>One bar: <paramref name="Value"/> drawn, <paramref name="Min"/>–<paramref name="Max"/> as a whisker.</summary>
    public sealed record Bar(string Label, double Value, double Min, double Max, string Annotation, int ColourIndex);
}
