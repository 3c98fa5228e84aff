namespace EchoServers.Protocol.Transforms;

/// <summary>What the server does to each message before sending it back.</summary>
public enum TransformKind
{
    /// <summary>Identity: the reply is the message.</summary>
    Echo,

    /// <summary>ASCII uppercase (a–z to A–Z); every other byte unchanged. The classic lesson's <c>data.upper()</c>.</summary>
    Upper,
}
