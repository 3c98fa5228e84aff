using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Client;

/// <summary>How a <see cref="FakeEchoServer"/> behaves on each connection.</summary>
internal sealed record FakeServerScript
{
    public FramingKind Framing { get; init; } = FramingKind.Line;

    public TransformKind Transform { get; init; } = TransformKind.Echo;

    /// <summary>The server's own frame limit; a line over it gets <c>ERROR: ...</c> and a close, as the real servers do.</summary>
    public int MaxFrame { get; init; } = ProtocolLimits.DefaultMaxFrame;

    /// <summary>Replies are held until this many are ready, then sent in one write (coalesced replies).</summary>
    public int RepliesPerWrite { get; init; } = 1;

    /// <summary>After answering this many messages the server closes the connection (mid-session close).</summary>
    public int CloseAfter { get; init; } = int.MaxValue;

    /// <summary>Sent just before the close that <see cref="CloseAfter"/> asks for (e.g. an <c>ERROR: ...</c> line).</summary>
    public string Farewell { get; init; } = string.Empty;

    /// <summary>When set, the first message is answered by a frame with a payload of this many bytes.</summary>
    public int OversizeReply { get; init; }

    /// <summary>Reads but never answers (for timeouts).</summary>
    public bool Mute { get; init; }
}
