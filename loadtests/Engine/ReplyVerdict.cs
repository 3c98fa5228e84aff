namespace EchoServers.Load.Engine;

/// <summary>What one reply turned out to be.</summary>
internal enum ReplyVerdict
{
    /// <summary>The exact reply to the oldest outstanding message.</summary>
    InOrder,

    /// <summary>The exact reply to a later outstanding message: an earlier reply is overtaken (reordered or lost).</summary>
    Reordered,

    /// <summary>Bytes that are not the reply to any outstanding message of this connection (corrupt, truncated, another connection's, a duplicate).</summary>
    Mismatch,
}
