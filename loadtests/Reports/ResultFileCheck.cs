using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EchoServers.Load.Reports;

/// <summary>
/// What a result read from a file must hold before anything adds, divides or draws it: result files are collected
/// from other machines and edited by hand, so a null list element, a negative count or a count so large that a sum of
/// a few of them overflows is a one-line error naming the field (<c>perSecond[3].messages</c>), never a stack trace
/// from deep inside a merge.
/// </summary>
internal static class ResultFileCheck
{
    /// <summary>Counts above this are no run's (a million messages a second for thirty years); sums of many stay exact.</summary>
    private const double MaxCount = 1e15;

    /// <summary>The first thing wrong with <paramref name="value"/>, as "field: what", or null when nothing is.</summary>
    public static string? Problem(object value) => Walk(value, "$");

    private static string? Walk(object? value, string path)
    {
        switch (value)
        {
            case null:
                return $"{path}: is null";
            case string:
            case bool:
                return null;
            case int or long:
                var count = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                return count is < 0 or > (long)MaxCount ? $"{path}: {count} is out of range (0 to {MaxCount:0e0})" : null;
            case double number:
                return !double.IsFinite(number) || Math.Abs(number) > MaxCount ? $"{path}: {number.ToString(CultureInfo.InvariantCulture)} is out of range" : null;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                {
                    if (Walk(item, $"{path}[{i++}]") is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.IsDefined(typeof(JsonIgnoreAttribute)))
            {
                continue;
            }

            var field = property.GetValue(value);
            var nullable = new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable;
            if (field is null && nullable)
            {
                continue;
            }

            if (Walk(field, $"{path}.{JsonNamingPolicy.CamelCase.ConvertName(property.Name)}") is { } problem)
            {
                return problem;
            }
        }

        return null;
    }
}
