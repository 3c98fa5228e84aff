using System.Buffers;
using System.Buffers.Binary;
using EchoServers.Protocol.Framing;

namespace EchoServers.Fuzz;

/// <summary>
/// The framers (line, length, raw) with every option: the input's first bytes choose the framing, a small
/// <c>--max-frame</c> (so the limits are reached) and where the stream is split into segments; the rest is the stream.
/// The span framer over the whole stream and the sequence reader over the split one must agree frame for frame, and
/// every frame must obey its framing (no newline inside a line, the declared length, never over the maximum). So must
/// both fed the stream in random pieces with the line search resumed across them (<see cref="ResumedFraming"/>).
/// </summary>
internal static class FramerTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length < 4)
        {
            return;
        }

        var framing = (FramingKind)(input[0] % 3);
        var maxFrame = 1 + (BinaryPrimitives.ReadUInt16BigEndian(input.AsSpan(1)) % 300);
        var splits = input[3] % 8;
        if (input.Length < 4 + splits)
        {
            return;
        }

        var stream = input.AsSpan(4 + splits).ToArray();
        var cuts = input.AsSpan(4, splits).ToArray().Select(b => Math.Min(b, stream.Length)).Order().Distinct().ToArray();

        var (spanFrames, spanEnd) = SpanFrames(new SpanFramer(framing, maxFrame), stream);
        var (readerFrames, readerEnd) = ReaderFrames(new FrameReader(framing, maxFrame), Segments(stream, cuts));

        // The sessions' way: the stream in random pieces, each framer resuming its line search across reads.
        var pieces = ResumedFraming.Pieces(input, stream.Length);
        var resumedSpan = ResumedFraming.Span(new SpanFramer(framing, maxFrame), stream, pieces);
        var resumedReader = ResumedFraming.Reader(new FrameReader(framing, maxFrame), stream, pieces);

        if (framing == FramingKind.Raw)
        {
            // Raw chunks follow the segments; only the bytes must agree.
            Check(spanFrames.Sum(f => f.Length) == stream.Length, "raw: not every byte was returned");
            foreach (var (frames, by) in (ReadOnlySpan<(List<byte[]>, string)>)[(readerFrames, "sequence reader"), (resumedSpan.Frames, "resumed span framer"), (resumedReader.Frames, "resumed sequence reader")])
            {
                Check(spanFrames.SelectMany(f => f).SequenceEqual(frames.SelectMany(f => f)), $"raw: the chunks' bytes of the {by} differ");
            }

            return;
        }

        Agree(framing, (spanFrames, spanEnd), (readerFrames, readerEnd), "sequence reader");
        Agree(framing, (spanFrames, spanEnd), resumedSpan, $"span framer resumed over {pieces.Length} pieces");
        Agree(framing, (spanFrames, spanEnd), resumedReader, $"sequence reader resumed over {pieces.Length} pieces");
    }

    /// <summary>The one-shot span framer's frames and end, and another way's, are the same.</summary>
    private static void Agree(FramingKind framing, (List<byte[]> Frames, FrameStatus End) oneShot, (List<byte[]> Frames, FrameStatus End) other, string by)
    {
        Check(oneShot.Frames.Count == other.Frames.Count, $"{framing}: span framer found {oneShot.Frames.Count} frames, the {by} {other.Frames.Count}");
        for (var i = 0; i < oneShot.Frames.Count; i++)
        {
            Check(oneShot.Frames[i].AsSpan().SequenceEqual(other.Frames[i]), $"{framing}: frame {i} of the {by} differs");
        }

        Check(oneShot.End == other.End, $"{framing}: span framer ended {oneShot.End}, the {by} {other.End}");
    }

    private static (List<byte[]> Frames, FrameStatus End) SpanFrames(SpanFramer framer, byte[] stream)
    {
        var frames = new List<byte[]>();
        var rest = stream.AsSpan();
        while (true)
        {
            var status = framer.TryParse(rest, out var frame, out var declared);
            if (status != FrameStatus.Complete)
            {
                Check(status != FrameStatus.Malformed || framer.Framing == FramingKind.Length, "only a length prefix can be malformed");
                Check(status != FrameStatus.TooLarge || declared > framer.MaxFrame || framer.Framing == FramingKind.Line, $"too large at {declared} of {framer.MaxFrame}");
                return (frames, status);
            }

            Check(frame.Consumed > 0 && frame.Consumed <= rest.Length, $"consumed {frame.Consumed} of {rest.Length}");
            Check(frame.PayloadOffset >= 0 && frame.PayloadLength >= 0 && frame.PayloadOffset + frame.PayloadLength <= frame.Consumed, $"payload {frame.PayloadOffset}+{frame.PayloadLength} outside {frame.Consumed}");
            Check(frame.PayloadLength <= framer.MaxFrame, $"a {frame.PayloadLength}-byte frame over the maximum {framer.MaxFrame}");
            var payload = rest.Slice(frame.PayloadOffset, frame.PayloadLength);
            switch (framer.Framing)
            {
                case FramingKind.Line:
                    Check(!payload.Contains((byte)'\n'), "a newline inside a line");
                    Check(rest[frame.Consumed - 1] == (byte)'\n', "a line not ended by its newline");
                    break;
                case FramingKind.Length:
                    Check(BinaryPrimitives.ReadInt32BigEndian(rest) == frame.PayloadLength, "the payload is not the declared length");
                    break;
                default:
                    Check(frame.Consumed == Math.Min(rest.Length, framer.MaxFrame), "a raw chunk shorter than what arrived");
                    break;
            }

            frames.Add(payload.ToArray());
            rest = rest[frame.Consumed..];
        }
    }

    private static (List<byte[]> Frames, FrameStatus End) ReaderFrames(FrameReader reader, ReadOnlySequence<byte> input)
    {
        var frames = new List<byte[]>();
        while (true)
        {
            var consumed = input.Start;
            var examined = input.Start;
            bool complete;
            try
            {
                complete = reader.TryParseMessage(input, ref consumed, ref examined, out var message);
                if (complete)
                {
                    frames.Add(message.ToArray());
                    Check(input.Slice(consumed).Length < input.Length, "a complete frame consumed nothing");
                    input = input.Slice(consumed);
                    continue;
                }
            }
            catch (ProtocolException ex)
            {
                return (frames, ex.Error.Kind == ProtocolErrorKind.MalformedLength ? FrameStatus.Malformed : FrameStatus.TooLarge);
            }

            Check(examined.Equals(input.End), "an incomplete frame left bytes unexamined");
            return (frames, FrameStatus.Incomplete);
        }
    }

    private static ReadOnlySequence<byte> Segments(byte[] stream, int[] cuts)
    {
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(stream);
        }

        var bounds = cuts.Prepend(0).Append(stream.Length).Distinct().ToArray();
        BufferSegment? first = null;
        BufferSegment? last = null;
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            var memory = stream.AsMemory(bounds[i], bounds[i + 1] - bounds[i]);
            last = last is null ? first = new BufferSegment(memory, 0) : last.Append(memory);
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzFinding(what);
        }
    }
}
