namespace EchoServers.Load.Simulations;

/// <summary>A stretch of the run in which the load level (connections or messages/s) moves linearly.</summary>
public readonly record struct LoadSegment(double StartSeconds, double DurationSeconds, double From, double To, bool Measured)
{
    /// <summary>When the segment ends, in seconds from the start of load.</summary>
    public double EndSeconds => StartSeconds + DurationSeconds;

    /// <summary>The level <paramref name="tau"/> seconds into the segment.</summary>
    public double LevelAt(double tau) => From + ((To - From) * Math.Clamp(tau / DurationSeconds, 0, 1));

    /// <summary>The area under the level over the whole segment (messages, for a rate).</summary>
    public double Area => (From + To) / 2 * DurationSeconds;
}
