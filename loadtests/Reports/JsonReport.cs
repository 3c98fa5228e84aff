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

    /// <summary>Reading is strict where writing is not: a null or missing value the result cannot do without is an error.</summary>
    private static readonly JsonSerializerOptions ReadOptions = new(Options)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>
    /// Reads a result written by <see cref="Write"/> (its histograms from <c>hdrLog</c>, when present). Anything wrong
    /// with the file is an <see cref="InvalidDataException"/> of one line naming the file and the field.
    /// </summary>
    public static LoadResult Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses a result's JSON text; <paramref name="name"/> names it in errors.</summary>
    public static LoadResult Parse(string json, string name)
    {
        LoadResult? result;
        try
        {
            result = JsonSerializer.Deserialize<LoadResult>(json, ReadOptions);
        }
        catch (JsonException ex)
        {
            // The serializer's null-annotation message speaks to the developer; the reader of a file needs only "is null".
            var what = ex.Message.Contains("doesn't allow setting null values", StringComparison.Ordinal) ? "is null" : FirstLine(ex.Message);
            throw new InvalidDataException($"{name}: {ex.Path ?? "$"}: {what}", ex);
        }

        if (result is null)
        {
            throw new InvalidDataException($"{name}: $: holds no result (null)");
        }

        return ResultFileCheck.Problem(result) is { } problem ? throw new InvalidDataException($"{name}: {problem}") : result;
    }

    /// <summary>The serializer's message without its "Path: … | LineNumber: …" tail (the path is given already).</summary>
    private static string FirstLine(string message)
    {
        var end = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).ReplaceLineEndings(" ");
    }

    public static void Write(LoadResult result, string path) => File.WriteAllText(path, Serialize(result) + "\n");
}
