namespace EchoServers.Load.Engine;

/// <summary>When a connection begins to send.</summary>
public enum StartMode
{
    /// <summary>As soon as it is established, while others are still connecting (real clients; the default).</summary>
    Immediate,

    /// <summary>Only once every connection is established (steady-state measurements).</summary>
    Together,
}
