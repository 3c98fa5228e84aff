using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;

namespace EchoServers.Protocol;

/// <summary>Everything that decides what bytes a connection gets back: framing, limit, transform and simulated work.</summary>
public sealed record ProtocolOptions
{
    /// <summary>How messages are delimited. Default raw (classic echo).</summary>
    public FramingKind Framing { get; init; } = FramingKind.Raw;

    /// <summary>What is done to each message. Default echo.</summary>
    public TransformKind Transform { get; init; } = TransformKind.Echo;

    /// <summary>Largest payload accepted, in bytes. Default 64 KiB.</summary>
    public int MaxFrame { get; init; } = ProtocolLimits.DefaultMaxFrame;

    /// <summary>Simulated work per message. Default none.</summary>
    public WorkSpec Work { get; init; } = WorkSpec.None;

    /// <summary>A connection that sends nothing for this long is closed. <see cref="TimeSpan.Zero"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// A frame that has started must be complete within this long, or the connection is closed (like an idle
    /// timeout): frees a slowloris that dribbles a byte now and then and so never idles. Raw framing has no
    /// partial frames, so it never applies there. <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Creates the span framer these options describe.</summary>
    public SpanFramer CreateSpanFramer() => new(Framing, MaxFrame);
}
