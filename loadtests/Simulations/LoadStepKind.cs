namespace EchoServers.Load.Simulations;

/// <summary>NBomber's load simulations, by name.</summary>
public enum LoadStepKind
{
    /// <summary>Closed model: a fixed number of connections, each keeping its pipeline full.</summary>
    KeepConstant,

    /// <summary>Closed model: the number of active connections moves linearly from one count to another.</summary>
    RampingConstant,

    /// <summary>Open model: a fixed rate of messages per second, whatever the replies do.</summary>
    Inject,

    /// <summary>Open model: the rate moves linearly from one value to another.</summary>
    RampingInject,

    /// <summary>No load for a while (either model).</summary>
    Pause,
}
