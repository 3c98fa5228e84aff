using System.Text.Json;
using System.Text.Json.Serialization;

namespace EchoServers.Load.Reports;

/// <summary>The result as JSON (camelCase keys; see docs/load.md for each key).</summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(LoadResult result) =>
        JsonSerializer.Serialize(result with { HdrLog = result.HdrLog ?? Distributed.EmbeddedHistograms.Of(result) }, Options);

    /// <summary>Reads a result written by <see cref="Write"/> (its histograms from <c>hdrLog</c>, when present).</summary>
    public static LoadResult Read(string path) => JsonSerializer.Deserialize<LoadResult>(File.ReadAllText(path), Options)
        ?? throw new JsonException($"{path} holds no result");

    public static void Write(LoadResult result, string path) => File.WriteAllText(path, Serialize(result) + "\n");
}
