using System.Text.Json;

namespace EchoServers.Load.Compare;

/// <summary>
/// Reads a run report (<c>run --json</c>) or a bench report (<c>bench.json</c>) into a <see cref="ComparedReport"/>.
/// Read by key through <see cref="JsonDocument"/>, not into the report types: keys added later do not break it.
/// </summary>
public static class ReportReader
{
    /// <summary>Reads <paramref name="path"/>; on failure <paramref name="error"/> is one line saying what is wrong.</summary>
    public static bool TryRead(string path, out ComparedReport report, out string error)
    {
        report = null!;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"{path}: cannot be read: {ex.Message}";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("runs", out var runs) && runs.ValueKind == JsonValueKind.Array)
            {
                report = new ComparedReport("bench", path, Bench(runs));
            }
            else if (root.ValueKind == JsonValueKind.Object && Number(root, "messagesPerSecond") is not null && root.TryGetProperty("latencyUs", out _))
            {
                report = new ComparedReport("run", path, [("run", Run(root))]);
            }
            else
            {
                error = $"{path}: neither a run report (run --json: messagesPerSecond, latencyUs) nor a bench report (bench.json: runs)";
                return false;
            }
        }
        catch (JsonException ex)
        {
            // The parser quotes the offending text, which may hold line breaks: the error stays one line.
            error = $"{path}: not valid JSON: {ex.Message.ReplaceLineEndings(" ")}";
            return false;
        }

        error = report.Entries.Count == 0 ? $"{path}: a {report.Kind} report with nothing measured in it" : string.Empty;
        return report.Entries.Count > 0;
    }

    private static Dictionary<CompareMetric, MeasuredValue> Run(JsonElement root)
    {
        // One run has no passes; its measured seconds vary around its figures, and that spread is its noise.
        var seconds = root.TryGetProperty("perSecond", out var perSecond) && perSecond.ValueKind == JsonValueKind.Array
            ? perSecond.EnumerateArray().Where(s => Text(s, "phase") == "measure").ToArray()
            : [];
        MeasuredValue? WithSeconds(double? value, string key)
        {
            var values = seconds.Select(s => Number(s, key)).OfType<double>().ToArray();
            return value is not { } v ? null : values.Length >= 2 ? new MeasuredValue(v, Math.Min(v, values.Min()), Math.Max(v, values.Max())) : new MeasuredValue(v);
        }

        var values = new Dictionary<CompareMetric, MeasuredValue?>
        {
            [CompareMetric.Rate] = WithSeconds(Number(root, "messagesPerSecond"), "messagesPerSecond"),
            [CompareMetric.P50] = WithSeconds(Number(root, "latencyUs", "p50"), "p50Us"),
            [CompareMetric.P99] = WithSeconds(Number(root, "latencyUs", "p99"), "p99Us"),
            [CompareMetric.P999] = Single(Number(root, "latencyUs", "p999")),
            [CompareMetric.Errors] = Single(Number(root, "errors", "total")),
            [CompareMetric.GeneratorCpu] = Single(Number(root, "generator", "cpuUsPerMessage")),
        };
        return values.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!);
    }

    private static List<(string, IReadOnlyDictionary<CompareMetric, MeasuredValue>)> Bench(JsonElement runs)
    {
        // Per cell and model, every pass that ran: the median with its min–max over passes.
        var groups = runs.EnumerateArray()
            .Where(r => Text(r, "cell") is not null && Text(r, "model") is not null)
            .GroupBy(r => $"{Text(r, "cell")} / {Text(r, "model")}");
        var entries = new List<(string, IReadOnlyDictionary<CompareMetric, MeasuredValue>)>();
        foreach (var group in groups)
        {
            var loaded = group.Where(r => r.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object).ToArray();
            var idle = group.Select(r => Number(r, "idle", "bytesPerConnection")).OfType<double>().ToArray();
            var values = new Dictionary<CompareMetric, MeasuredValue?>
            {
                [CompareMetric.Rate] = Passes(loaded, r => Number(r, "messagesPerSecond")),
                [CompareMetric.P50] = Passes(loaded, r => Number(r, "result", "latencyUs", "p50")),
                [CompareMetric.P99] = Passes(loaded, r => Number(r, "result", "latencyUs", "p99")),
                [CompareMetric.P999] = Passes(loaded, r => Number(r, "result", "latencyUs", "p999")),
                [CompareMetric.Errors] = loaded.Length == 0 ? null : new MeasuredValue(loaded.Sum(r => Number(r, "result", "errors", "total") ?? 0)),
                [CompareMetric.ServerCpu] = Passes(loaded, r => Number(r, "serverCpuUsPerMessage")),
                [CompareMetric.GeneratorCpu] = Passes(loaded, r => Number(r, "result", "generator", "cpuUsPerMessage")),
                [CompareMetric.IdleMemory] = MeasuredValue.Of(idle),
            };
            var present = values.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!);
            if (present.Count > 0)
            {
                entries.Add((group.Key, present));
            }
        }

        return entries;
    }

    private static MeasuredValue? Single(double? value) => value is { } v ? new MeasuredValue(v) : null;

    private static MeasuredValue? Passes(IEnumerable<JsonElement> runs, Func<JsonElement, double?> value) =>
        MeasuredValue.Of([.. runs.Select(value).OfType<double>()]);

    /// <summary>The string at <paramref name="key"/> of an object, or null for anything else (a hand-edited file may hold any shape).</summary>
    private static string? Text(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, params string[] path)
    {
        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;
    }
}
