namespace EchoServers.Load.Bench;

/// <summary>The cells <c>echo-load bench</c> knows, in report order, and the parsing of <c>--cells</c>.</summary>
public static class BenchCells
{
    /// <summary>Every cell, in the order the default run and the report use.</summary>
    public static IReadOnlyList<BenchCell> All { get; } =
    [
        new("c1", "64 B × 1 conn", 1),
        new("c50", "64 B × 50 conns", 50),
        new("c1000", "64 B × 1,000 conns", 1000),
        new("c10000", "64 B × 10,000 conns", 10_000),
        new("storm1000", "1,000 conns opened at once while all talk, 64 B", 1000, Storm: true),
        new("storm10000", "10,000 conns opened at once while all talk, 64 B", 10_000, Storm: true),
        new("churn1", "churn: 50 conns, 1 msg per connection (connect, echo, close)", 50, MessagesPerConnection: 1),
        new("churn100", "churn: 50 conns, 100 msgs per connection", 50, MessagesPerConnection: 100),
        new("c50x4k", "4 KiB × 50 conns", 50, Size: 4096),
        new("c50p16", "64 B × 50 conns × 16 in flight", 50, Pipeline: 16),
        new("rate20k", "open model 20,000 msgs/s over 50 conns", 50, Rate: 20_000),
        new("cpu-c50", "--work cpu:50us × 50 conns", 50, Work: "cpu:50us"),
        new("cpu-c1000", "--work cpu:50us × 1,000 conns", 1000, Work: "cpu:50us"),
        new("io-c50", "--work io:5ms × 50 conns", 50, Work: "io:5ms"),
        new("io-c1000", "--work io:5ms × 1,000 conns", 1000, Work: "io:5ms"),
        new("tls-c50", "TLS: 64 B × 50 conns (handshakes before the load)", 50, Tls: true),
        new("tls-churn", "TLS churn: 50 conns, 10 msgs per connection, one handshake each", 50, MessagesPerConnection: 10, Tls: true),
        new("idle10k", "10,000 idle conns: RSS per conn", 10_000, Idle: true),
        new("c100k", "100,000 conns, each one 64 B msg every 5 s (20,000 msgs/s), 6 server and 6 load processes", 100_000, Rate: 20_000,
            Processes: 6, Measure: TimeSpan.FromSeconds(60), Warmup: TimeSpan.FromSeconds(10), OptIn: true),
    ];

    /// <summary>The cells run when <c>--cells</c> is not given: all but the long opt-in ones.</summary>
    public static IReadOnlyList<string> DefaultNames { get; } = [.. All.Where(c => !c.OptIn).Select(c => c.Name)];

    /// <summary>The cells of <c>--quick</c> (CI's smoke test): many connections one at a time, and pipelining.</summary>
    public static IReadOnlyList<string> QuickNames { get; } = ["c50", "c50p16"];

    /// <summary>The cells of the performance targets (docs/performance.md): c50, c50p16, c1000, c10000.</summary>
    public static IReadOnlyList<string> TargetNames { get; } = ["c50", "c50p16", "c1000", "c10000"];

    /// <summary>Parses a comma-separated list of cell names (order kept, duplicates refused).</summary>
    public static bool TryParse(string text, out IReadOnlyList<BenchCell> cells, out string error)
    {
        var result = new List<BenchCell>();
        cells = result;
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var cell = All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (cell is null)
            {
                error = $"--cells: unknown cell '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}";
                return false;
            }

            if (result.Contains(cell))
            {
                error = $"--cells: '{cell.Name}' is listed twice";
                return false;
            }

            result.Add(cell);
        }

        error = result.Count == 0 ? "--cells: no cell named" : string.Empty;
        return result.Count > 0;
    }
}
