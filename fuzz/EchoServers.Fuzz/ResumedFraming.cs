using System.Buffers;
using EchoServers.Protocol.Framing;

namespace EchoServers.Fuzz;

/// <summary>
/// The framers as the sessions drive them: the stream arrives in pieces and the line search resumes where the last
/// call on the same unconsumed bytes stopped (the <c>scanned</c> count the blocking session keeps for
/// <see cref="SpanFramer"/> and the pipe session for <see cref="FrameReader"/>). Each pass returns what it framed, to be
/// compared with the one-shot result over the whole stream: resuming must never find another frame, miss one, or
/// end differently.
/// </summary>
internal static class ResumedFraming
{
    /// <summary>Piece sizes for <paramref name="length"/> bytes, from a generator seeded by the whole input (a replay gives the same pieces).</summary>
    public static int[] Pieces(byte[] input, int length)
    {
        // FNV-1a: string.GetHashCode is randomised per process, and a replay must cut where the fuzzer did.
        var hash = 2166136261u;
        foreach (var b in input)
        {
            hash = (hash ^ b) * 16777619u;
        }

        var random = new Random((int)hash);
        var largest = 1 << random.Next(0, 9); // pieces of at most 1..256 bytes, mostly small: many resumes per line
        var pieces = new List<int>();
        for (var left = length; left > 0;)
        {
            var piece = Math.Min(left, random.Next(1, largest + 1));
            pieces.Add(piece);
            left -= piece;
        }

        return [.. pieces];
    }

    /// <summary>The blocking session's way: a buffer of what is unparsed, <see cref="SpanFramer.TryParse(ReadOnlySpan{byte}, ref int, out Frame, out long)"/> with the kept count.</summary>
    public static (List<byte[]> Frames, FrameStatus End) Span(SpanFramer framer, byte[] stream, int[] pieces)
    {
        var frames = new List<byte[]>();
        int start = 0, available = 0, next = 0, scanned = 0;
        while (true)
        {
            var status = framer.TryParse(stream.AsSpan(start, available - start), ref scanned, out var frame, out _);
            if (status == FrameStatus.Complete)
            {
                Check(scanned == 0, "the scan count was not reset after a frame");
                frames.Add(stream.AsSpan(start + frame.PayloadOffset, frame.PayloadLength).ToArray());
                start += frame.Consumed;
                continue;
            }

            if (status != FrameStatus.Incomplete || next == pieces.Length)
            {
                return (frames, status);
            }

            Check(scanned <= available - start, $"scanned {scanned} of {available - start} bytes");
            available += pieces[next++];
        }
    }

    /// <summary>The pipe session's way: a sequence of the unconsumed pieces, <see cref="FrameReader"/> with the kept count.</summary>
    public static (List<byte[]> Frames, FrameStatus End) Reader(FrameReader reader, byte[] stream, int[] pieces)
    {
        var frames = new List<byte[]>();
        var bounds = new List<int> { 0 };
        int start = 0, next = 0;
        long scanned = 0;
        while (true)
        {
            var remaining = Sequence(stream, bounds, start);
            var consumed = remaining.Start;
            var examined = remaining.End;
            try
            {
                while (reader.TryParseMessage(remaining, ref scanned, ref consumed, ref examined, out var message))
                {
                    Check(scanned == 0, "the scan count was not reset after a message");
                    frames.Add(message.ToArray());
                    start += (int)remaining.Slice(remaining.Start, consumed).Length;
                    remaining = remaining.Slice(consumed);
                    consumed = remaining.Start;
                }
            }
            catch (ProtocolException ex)
            {
                return (frames, ex.Error.Kind == ProtocolErrorKind.MalformedLength ? FrameStatus.Malformed : FrameStatus.TooLarge);
            }

            Check(examined.Equals(remaining.End), "an incomplete frame left bytes unexamined");
            Check(scanned <= remaining.Length, $"scanned {scanned} of {remaining.Length} bytes");
            if (next == pieces.Length)
            {
                return (frames, FrameStatus.Incomplete);
            }

            bounds.Add(bounds[^1] + pieces[next++]);
        }
    }

    /// <summary>stream[start..last bound] as one segment per piece (the first cut at <paramref name="start"/>).</summary>
    private static ReadOnlySequence<byte> Sequence(byte[] stream, List<int> bounds, int start)
    {
        BufferSegment? first = null;
        BufferSegment? last = null;
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var from = Math.Max(bounds[i], start);
            var to = bounds[i + 1];
            if (to <= from)
            {
                continue;
            }

            var memory = stream.AsMemory(from, to - from);
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
