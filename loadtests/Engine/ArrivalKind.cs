namespace EchoServers.Load.Engine;

/// <summary>How the open model spaces messages in time.</summary>
public enum ArrivalKind
{
    /// <summary>Evenly: message k is due when the cumulative target reaches k.</summary>
    Even,

    /// <summary>A Poisson process: exponentially distributed gaps with the target mean.</summary>
    Poisson,
}
