using System.Text.Json;
using System.Text.Json.Serialization;
using EchoServers.Load.Bench;

namespace EchoServers.Load.Reports;

/// <summary>The whole bench as JSON (camelCase): settings, machine, servers, every run with the engine's full result, summaries.</summary>
public static class BenchJsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,

        // A file for people too: keep ×, µ, quotes and <> readable instead of \uXXXX (nothing here goes into HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(BenchResult result) => JsonSerializer.Serialize(result, Options);
}
