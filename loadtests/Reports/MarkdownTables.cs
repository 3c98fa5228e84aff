using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace EchoServers.Load.Reports;

/// <summary>
/// Renders the small Markdown subset the bench report writes (headings, paragraphs, lists, pipe tables, `code`,
/// **bold**, and the &lt;br&gt;/&lt;small&gt; tags inside cells) as HTML, so the HTML page shows exactly the Markdown's tables.
/// </summary>
internal static partial class MarkdownTables
{
    public static string ToHtml(string markdown)
    {
        var html = new StringBuilder();
        var inTable = false;
        var inList = false;
        var headerDone = false;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (inTable && !line.StartsWith('|'))
            {
                html.AppendLine("</table>");
                inTable = false;
            }

            if (inList && !line.StartsWith("- ", StringComparison.Ordinal))
            {
                html.AppendLine("</ul>");
                inList = false;
            }

            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                // The page has its own title.
                continue;
            }

            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                html.AppendLine($"<h2>{Inline(line[3..])}</h2>");
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                html.AppendLine($"<h3>{Inline(line[4..])}</h3>");
            }
            else if (line.StartsWith('|'))
            {
                var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                if (!inTable)
                {
                    html.AppendLine("<table>");
                    inTable = true;
                    headerDone = false;
                }

                if (cells.All(c => c.Length > 0 && c.All(ch => ch is '-' or ':')))
                {
                    headerDone = true;
                    continue;
                }

                var tag = headerDone ? "td" : "th";
                html.AppendLine("<tr>" + string.Concat(cells.Select(c => $"<{tag}>{Inline(c)}</{tag}>")) + "</tr>");
            }
            else if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                if (!inList)
                {
                    html.AppendLine("<ul>");
                    inList = true;
                }

                html.AppendLine($"<li>{Inline(line[2..])}</li>");
            }
            else if (line.Length > 0)
            {
                html.AppendLine($"<p>{Inline(line)}</p>");
            }
        }

        if (inTable)
        {
            html.AppendLine("</table>");
        }

        if (inList)
        {
            html.AppendLine("</ul>");
        }

        return html.ToString();
    }

    private static string Inline(string text)
    {
        var encoded = WebUtility.HtmlEncode(text)
            .Replace("&lt;br&gt;", "<br>", StringComparison.Ordinal)
            .Replace("&lt;small&gt;", "<small>", StringComparison.Ordinal)
            .Replace("&lt;/small&gt;", "</small>", StringComparison.Ordinal);
        encoded = Code().Replace(encoded, "<code>$1</code>");
        return Bold().Replace(encoded, "<strong>$1</strong>");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"\*\*([^*]+)\*\*")]
    private static partial Regex Bold();
}
