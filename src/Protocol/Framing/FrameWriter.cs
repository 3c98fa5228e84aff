using System.Buffers;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Protocol.Framing;

/// <summary>Writes payloads as frames into an <see cref="IBufferWriter{T}"/>, applying a transform on the way (no intermediate copy).</summary>
public sealed class FrameWriter
{
    private readonly SpanFramer _framer;
    private readonly TransformKind _transform;

    /// <summary>Creates a writer for <paramref name="framing"/> that applies <paramref name="transform"/>.</summary>
    public FrameWriter(FramingKind framing, TransformKind transform = TransformKind.Echo)
    {
        _framer = new SpanFramer(framing, ProtocolLimits.MaxMaxFrame);
        _transform = transform;
    }

    /// <summary>Writes <paramref name="message"/>, framed and transformed, into <paramref name="output"/>.</summary>
    public void WriteMessage(ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        var header = output.GetSpan(ProtocolLimits.LengthPrefixSize);
        output.Advance(_framer.WriteHeader(checked((int)message.Length), header));
        foreach (var segment in message)
        {
            var source = segment.Span;
            var destination = output.GetSpan(source.Length);
            Transform.Apply(_transform, source, destination);
            output.Advance(source.Length);
        }

        var trailer = output.GetSpan(1);
        output.Advance(_framer.WriteTrailer(trailer));
    }

    /// <summary>Writes one frame holding <paramref name="message"/>.</summary>
    public void WriteMessage(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        var destination = output.GetSpan(message.Length + _framer.Overhead);
        output.Advance(_framer.Write(message, destination, _transform));
    }
}
