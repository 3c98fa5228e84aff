namespace EchoServers.Load.Simulations;

/// <summary>
/// The whole run as a timeline of segments: an optional warm-up at the first step's level (not measured), then each
/// step of <c>--load</c>. Times are seconds from the moment load starts (after the connect phase).
/// </summary>
public sealed class LoadProfile
{
    /// <summary>Builds the timeline of <paramref name="steps"/> preceded by <paramref name="warmup"/>.</summary>
    public LoadProfile(IReadOnlyList<LoadStep> steps, TimeSpan warmup)
    {
        ArgumentOutOfRangeException.ThrowIfZero(steps.Count);
        Steps = steps;
        IsOpen = steps.Any(s => s.HasModel && s.IsOpen);
        var segments = new List<LoadSegment>();
        var start = 0.0;
        if (warmup > TimeSpan.Zero)
        {
            var first = steps.First(s => s.HasModel);
            var level = first.From > 0 ? first.From : first.To;
            segments.Add(new LoadSegment(0, warmup.TotalSeconds, level, level, Measured: false));
            start = warmup.TotalSeconds;
        }

        WarmupSeconds = start;
        foreach (var step in steps)
        {
            segments.Add(new LoadSegment(start, step.Duration.TotalSeconds, step.From, step.To, Measured: true));
            start += step.Duration.TotalSeconds;
        }

        Segments = segments;
        TotalSeconds = start;
        MaxLevel = segments.Max(s => Math.Max(s.From, s.To));
    }

    /// <summary>The steps as given.</summary>
    public IReadOnlyList<LoadStep> Steps { get; }

    /// <summary>The timeline, warm-up first.</summary>
    public IReadOnlyList<LoadSegment> Segments { get; }

    /// <summary>Whether the steps are rates (open model) rather than connection counts (closed model).</summary>
    public bool IsOpen { get; }

    /// <summary>Seconds of warm-up before measurement starts.</summary>
    public double WarmupSeconds { get; }

    /// <summary>Seconds from the start of load to the end of the last step.</summary>
    public double TotalSeconds { get; }

    /// <summary>Seconds measured (everything after the warm-up).</summary>
    public double MeasuredSeconds => TotalSeconds - WarmupSeconds;

    /// <summary>The highest level anywhere: connections to open (closed model) or peak rate (open model).</summary>
    public double MaxLevel { get; }

    /// <summary>Messages the open model should send during measurement.</summary>
    public double MeasuredTarget => Segments.Where(s => s.Measured).Sum(s => s.Area);

    /// <summary>The area under the level between two times (messages, for a rate).</summary>
    public double AreaBetween(double from, double to)
    {
        var area = 0.0;
        foreach (var segment in Segments)
        {
            var a = Math.Max(from, segment.StartSeconds);
            var b = Math.Min(to, segment.EndSeconds);
            if (b > a)
            {
                area += (segment.LevelAt(a - segment.StartSeconds) + segment.LevelAt(b - segment.StartSeconds)) / 2 * (b - a);
            }
        }

        return area;
    }

    /// <summary>The level at <paramref name="seconds"/> from the start of load (0 after the end).</summary>
    public double LevelAt(double seconds)
    {
        foreach (var segment in Segments)
        {
            if (seconds < segment.EndSeconds)
            {
                return segment.LevelAt(seconds - segment.StartSeconds);
            }
        }

        return 0;
    }
}
