using System.Globalization;
using EchoServers.Protocol.Text;

namespace EchoServers.Load.Simulations;

/// <summary>
/// Parses <c>--load</c>: simulations in sequence, separated by commas or semicolons, e.g.
/// <c>ramping-constant 0..1000 over 10s, keep-constant 1000 for 30s</c> or
/// <c>inject 0.5/s for 20s; ramping-inject 100..20000/s over 30s</c>. Rates take <c>/s</c>, <c>/m</c> or <c>/h</c>
/// (default <c>/s</c>); <c>for</c> and <c>over</c> are interchangeable; <c>ramp-constant</c>, <c>ramp-inject</c>
/// and <c>constant</c> are accepted aliases; <c>pause 5s</c> holds no load.
/// </summary>
public static class LoadSimulationParser
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> names the bad step in one line.</summary>
    public static bool TryParse(string text, out IReadOnlyList<LoadStep> steps, out string error)
    {
        var result = new List<LoadStep>();
        steps = result;
        error = string.Empty;
        var parts = text.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = "--load is empty (e.g. \"keep-constant 50 for 10s\")";
            return false;
        }

        foreach (var part in parts)
        {
            if (!TryParseStep(part, out var step, out var reason))
            {
                error = $"--load step '{part}': {reason}";
                return false;
            }

            result.Add(step);
        }

        var models = result.Where(s => s.HasModel).Select(s => s.IsOpen).Distinct().Count();
        if (models > 1)
        {
            error = "--load mixes connection steps (keep-constant, ramping-constant) with rate steps (inject, ramping-inject); use one model per run";
            return false;
        }

        if (result.All(s => !s.HasModel))
        {
            error = "--load has only pauses";
            return false;
        }

        return true;
    }

    private static bool TryParseStep(string text, out LoadStep step, out string error)
    {
        step = null!;
        error = string.Empty;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kind = words[0].ToLowerInvariant() switch
        {
            "keep-constant" or "constant" => LoadStepKind.KeepConstant,
            "ramping-constant" or "ramp-constant" => LoadStepKind.RampingConstant,
            "inject" => LoadStepKind.Inject,
            "ramping-inject" or "ramp-inject" => LoadStepKind.RampingInject,
            "pause" => LoadStepKind.Pause,
            _ => (LoadStepKind?)null,
        };
        if (kind is null)
        {
            error = $"unknown simulation '{words[0]}' (use keep-constant, ramping-constant, inject, ramping-inject or pause)";
            return false;
        }

        if (kind == LoadStepKind.Pause)
        {
            var durationText = words.Length == 3 && IsForOrOver(words[1]) ? words[2] : words.Length == 2 ? words[1] : null;
            if (durationText is null || !DurationText.TryParse(durationText, out var pause, out error))
            {
                error = durationText is null ? "expected 'pause 5s'" : error;
                return false;
            }

            step = new LoadStep(LoadStepKind.Pause, 0, 0, pause);
            return true;
        }

        if (words.Length != 4 || !IsForOrOver(words[2]))
        {
            error = kind switch
            {
                LoadStepKind.KeepConstant => "expected 'keep-constant N for DURATION'",
                LoadStepKind.RampingConstant => "expected 'ramping-constant A..B over DURATION'",
                LoadStepKind.Inject => "expected 'inject RATE/s for DURATION'",
                _ => "expected 'ramping-inject A..B/s over DURATION'",
            };
            return false;
        }

        if (!DurationText.TryParse(words[3], out var duration, out error))
        {
            return false;
        }

        if (duration <= TimeSpan.Zero)
        {
            error = "the duration must be positive";
            return false;
        }

        var ramping = kind is LoadStepKind.RampingConstant or LoadStepKind.RampingInject;
        var open = kind is LoadStepKind.Inject or LoadStepKind.RampingInject;
        var amount = words[1];
        var perSecond = 1.0;
        if (open)
        {
            if (!RateText.TrySplitUnit(ref amount, out perSecond))
            {
                error = $"'{words[1]}' has an unknown rate unit (use /s, /m or /h)";
                return false;
            }
        }

        double from, to;
        if (ramping)
        {
            var ends = amount.Split("..");
            if (ends.Length != 2 || !TryNumber(ends[0], open, out from) || !TryNumber(ends[1], open, out to))
            {
                error = $"'{words[1]}' is not a range like {(open ? "100..2000/s" : "0..1000")}";
                return false;
            }
        }
        else
        {
            if (!TryNumber(amount, open, out from))
            {
                error = $"'{words[1]}' is not {(open ? "a non-negative rate like 500/s or 0.5/s" : "a whole number of connections")}";
                return false;
            }

            to = from;
        }

        step = new LoadStep(kind.Value, from * perSecond, to * perSecond, duration);
        return true;
    }

    private static bool IsForOrOver(string word) => word is "for" or "over" or "during";

    private static bool TryNumber(string text, bool fractional, out double value)
    {
        if (fractional)
        {
            return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
                && double.IsFinite(value);
        }

        var ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var whole);
        value = whole;
        return ok;
    }
}
