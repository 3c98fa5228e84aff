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

    public static string Serialize(LoadResult result) => JsonSerializer.Serialize(result, Options);

    public static void Write(LoadResult result, string path) => File.WriteAllText(path, Serialize(result) + "\n");
}
