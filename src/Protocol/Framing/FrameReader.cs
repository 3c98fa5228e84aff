using System.Buffers;
using System.Buffers.Binary;

namespace EchoServers.Protocol.Framing;

/// <summary>
/// Reads frames from a pipe's <see cref="ReadOnlySequence{T}"/>; the message is the payload, a slice of the input
/// (valid until the reader advances). Single-segment input goes through <see cref="SpanFramer"/>; frames that
/// straddle segments are found without copying the payload. A violation throws <see cref="ProtocolException"/>.
/// </summary>
public sealed class FrameReader
{
    private readonly SpanFramer _framer;

    /// <summary>Creates a reader for <paramref name="framing"/> with payloads of at most <paramref name="maxFrame"/> bytes.</summary>
    public FrameReader(FramingKind framing, int maxFrame = ProtocolLimits.DefaultMaxFrame)
        => _framer = new SpanFramer(framing, maxFrame);

    /// <summary>The framing read.</summary>
    public FramingKind Framing => _framer.Framing;

    /// <summary>
    /// Tries to parse one message from <paramref name="input"/>. On success <paramref name="consumed"/> and
    /// <paramref name="examined"/> move past it; when more data is needed, <paramref name="examined"/> moves to the end.
    /// </summary>
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out ReadOnlySequence<byte> message)
    {
        long scanned = 0;
        return TryParseMessage(input, ref scanned, ref consumed, ref examined, out message);
    }

    /// <summary>
    /// As <see cref="TryParseMessage(in ReadOnlySequence{byte}, ref SequencePosition, ref SequencePosition, out ReadOnlySequence{byte})"/>,
    /// resuming a line search where the last call on the same unconsumed bytes left it (the examined part): a line
    /// that arrives in many small reads is scanned once in all, not once per read. The caller keeps
    /// <paramref name="scanned"/> per connection (this reader is shared): 0 for new input, and as returned while the
    /// same bytes stay unconsumed; it is 0 again after every message.
    /// </summary>
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref long scanned, ref SequencePosition consumed, ref SequencePosition examined, out ReadOnlySequence<byte> message)
    {
        FrameStatus status;
        Frame frame;
        long declared;
        if (input.IsSingleSegment)
        {
            var scannedInSpan = (int)Math.Min(scanned, int.MaxValue);
            status = _framer.TryParse(input.FirstSpan, ref scannedInSpan, out frame, out declared);
            scanned = scannedInSpan;
        }
        else
        {
            status = TryParseMultiSegment(input, ref scanned, out frame, out declared);
        }

        switch (status)
        {
            case FrameStatus.Complete:
                message = input.Slice(frame.PayloadOffset, frame.PayloadLength);
                consumed = examined = input.GetPosition(frame.Consumed);
                return true;
            case FrameStatus.Incomplete:
                message = default;
                examined = input.End;
                return false;
            default:
                throw new ProtocolException(ProtocolError.FromStatus(status, _framer.Framing, _framer.MaxFrame, declared));
        }
    }

    private FrameStatus TryParseMultiSegment(in ReadOnlySequence<byte> input, ref long scanned, out Frame frame, out long declared)
    {
        var from = Math.Clamp(scanned, 0, input.Length);
        scanned = 0;
        frame = default;
        declared = 0;
        switch (_framer.Framing)
        {
            case FramingKind.Raw:
                // A raw "message" is what arrived; one segment at a time keeps it simple and bounded.
                return _framer.TryParse(input.FirstSpan, out frame, out declared);

            case FramingKind.Line:
                var limit = _framer.LineSearchLimit;
                var window = input.Length <= limit ? input : input.Slice(0, limit);
                var unscanned = window.Slice(Math.Min(from, window.Length));
                var newline = unscanned.PositionOf((byte)'\n');
                if (newline is null)
                {
                    var status = _framer.NoNewline((int)window.Length, input.Length, out var seen, out declared);
                    scanned = seen;
                    return status;
                }

                var newlineIndex = (int)(window.Length - unscanned.Length + unscanned.Slice(0, newline.Value).Length);
                var carriageReturn = newlineIndex > 0 && window.Slice(newlineIndex - 1, 1).FirstSpan[0] == (byte)'\r';
                return _framer.LineEndingAt(newlineIndex, carriageReturn, out frame, out declared);

            default:
                if (input.Length < ProtocolLimits.LengthPrefixSize)
                {
                    return FrameStatus.Incomplete;
                }

                Span<byte> prefix = stackalloc byte[ProtocolLimits.LengthPrefixSize];
                input.Slice(0, ProtocolLimits.LengthPrefixSize).CopyTo(prefix);
                return _framer.CheckLengthPrefix(BinaryPrimitives.ReadInt32BigEndian(prefix), input.Length, out frame, out declared);
        }
    }
}
