using EchoServers.Protocol.Text;

namespace EchoServers.Protocol.Work;

/// <summary>Simulated work per message, written <c>cpu:50us</c> or <c>io:5ms</c> (or <c>none</c>).</summary>
public readonly record struct WorkSpec(WorkKind Kind, TimeSpan Duration)
{
    /// <summary>No work.</summary>
    public static WorkSpec None { get; } = new(WorkKind.None, TimeSpan.Zero);

    /// <summary>Whether any work is to be done.</summary>
    public bool IsNone => Kind == WorkKind.None || Duration <= TimeSpan.Zero;

    /// <summary>Parses <c>cpu:DURATION</c>, <c>io:DURATION</c> or <c>none</c>; the error names the bad part.</summary>
    public static bool TryParse(string? text, out WorkSpec value, out string error)
    {
        value = None;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            error = string.Empty;
            return true;
        }

        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"'{trimmed}' is not a work spec (expected cpu:DURATION or io:DURATION, e.g. cpu:50us)";
            return false;
        }

        var kindText = trimmed[..colon];
        WorkKind kind;
        if (kindText.Equals("cpu", StringComparison.OrdinalIgnoreCase))
        {
            kind = WorkKind.Cpu;
        }
        else if (kindText.Equals("io", StringComparison.OrdinalIgnoreCase))
        {
            kind = WorkKind.Io;
        }
        else
        {
            error = $"unknown work kind '{kindText}' in '{trimmed}' (expected cpu or io)";
            return false;
        }

        if (!DurationText.TryParse(trimmed[(colon + 1)..], out var duration, out var durationError))
        {
            error = $"bad duration in work spec '{trimmed}': {durationError}";
            return false;
        }

        value = new WorkSpec(kind, duration);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses or throws a <see cref="FormatException"/> naming the bad part.</summary>
    public static WorkSpec Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() =>
        IsNone ? "none" : $"{Kind.ToString().ToLowerInvariant()}:{DurationText.Format(Duration)}";
}
