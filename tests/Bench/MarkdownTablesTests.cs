using EchoServers.Load.Reports;

namespace EchoServers.Tests.Bench;

/// <summary>The bench report's Markdown subset rendered as HTML: headings of both levels, never left as text.</summary>
public sealed class MarkdownTablesTests
{
    [Fact]
    public void Second_and_third_level_headings_become_html_headings()
    {
        var html = MarkdownTables.ToHtml("# Title\n\n## Capacity sweep\n\n### Sweep steps: threads\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");

        Assert.Contains("<h2>Capacity sweep</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h3>Sweep steps: threads</h3>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("###", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Title", html, StringComparison.Ordinal);
        Assert.Contains("<td>1</td>", html, StringComparison.Ordinal);
    }
}
