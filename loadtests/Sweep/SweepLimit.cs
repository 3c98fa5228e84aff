namespace EchoServers.Load.Sweep;

/// <summary>What ended a sweep.</summary>
public enum SweepLimit
{
    /// <summary>The server failed the objective (or its rate, or made errors): its capacity is known.</summary>
    Server,

    /// <summary>The generator could not keep the schedule: the server's capacity is only known to be at least the last good rate.</summary>
    Generator,

    /// <summary>The steps reached <c>--max-rate</c> and still passed.</summary>
    MaxRate,

    /// <summary>Ctrl+C, or the step budget ran out.</summary>
    Incomplete,
}
