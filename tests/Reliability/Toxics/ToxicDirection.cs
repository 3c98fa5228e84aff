namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>Which way through the proxy a toxic acts, in Toxiproxy's terms.</summary>
public enum ToxicDirection
{
    /// <summary>Client to server: what the client sends.</summary>
    Upstream,

    /// <summary>Server to client: the replies. Toxiproxy's default.</summary>
    Downstream,
}
