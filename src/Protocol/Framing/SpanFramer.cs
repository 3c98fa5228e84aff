using System.Buffers.Binary;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Protocol.Framing;

/// <summary>
/// Finds frames in contiguous buffers and writes them: the framer of the blocking and event-loop models,
/// and the core that the pipeline reader uses on single-segment buffers. Allocation free.
/// </summary>
public sealed class SpanFramer
{
    /// <summary>Creates a framer for <paramref name="framing"/> with payloads of at most <paramref name="maxFrame"/> bytes.</summary>
    public SpanFramer(FramingKind framing, int maxFrame = ProtocolLimits.DefaultMaxFrame)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrame, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrame, ProtocolLimits.MaxMaxFrame);
        Framing = framing;
        MaxFrame = maxFrame;
        LineSearchLimit = maxFrame + ProtocolLimits.MaxLineTerminatorSize;
    }

    /// <summary>The framing this framer reads and writes.</summary>
    public FramingKind Framing { get; }

    /// <summary>The largest payload accepted.</summary>
    public int MaxFrame { get; }

    /// <summary>How far a line framing looks for its '\n': the largest payload plus its terminator.</summary>
    internal int LineSearchLimit { get; }

    /// <summary>Wire bytes added to each written frame.</summary>
    public int Overhead => ProtocolLimits.WriteOverhead(Framing);

    /// <summary>
    /// Looks for one frame at the start of <paramref name="input"/>. Oversized frames are reported as soon as
    /// the limit is provably exceeded (after the prefix, or after <c>max + 2</c> bytes without a newline),
    /// never after buffering the whole frame.
    /// </summary>
    /// <param name="input">Bytes received and not yet consumed.</param>
    /// <param name="frame">The frame, when <see cref="FrameStatus.Complete"/>.</param>
    /// <param name="declared">On failure: the declared length, or bytes seen without a newline.</param>
    public FrameStatus TryParse(ReadOnlySpan<byte> input, out Frame frame, out long declared)
    {
        var scanned = 0;
        return TryParse(input, ref scanned, out frame, out declared);
    }

    /// <summary>
    /// As <see cref="TryParse(ReadOnlySpan{byte}, out Frame, out long)"/>, resuming a line search where the last call
    /// on the same unconsumed bytes left it, so a long line arriving in small reads is scanned once, not once per read.
    /// </summary>
    /// <param name="input">Bytes received and not yet consumed.</param>
    /// <param name="scanned">
    /// In: how many bytes at the start of <paramref name="input"/> an earlier call already found to hold no newline
    /// (0 for new input). Out: the same for the next call when <see cref="FrameStatus.Incomplete"/>; 0 otherwise.
    /// Ignored by the other framings.
    /// </param>
    /// <param name="frame">The frame, when <see cref="FrameStatus.Complete"/>.</param>
    /// <param name="declared">On failure: the declared length, or bytes seen without a newline.</param>
    public FrameStatus TryParse(ReadOnlySpan<byte> input, ref int scanned, out Frame frame, out long declared)
    {
        var from = Math.Clamp(scanned, 0, input.Length);
        scanned = 0;
        frame = default;
        declared = 0;
        switch (Framing)
        {
            case FramingKind.Raw:
                if (input.IsEmpty)
                {
                    return FrameStatus.Incomplete;
                }

                var chunk = Math.Min(input.Length, MaxFrame);
                frame = new Frame(0, chunk, chunk);
                return FrameStatus.Complete;

            case FramingKind.Line:
                var window = input[..Math.Min(input.Length, LineSearchLimit)];
                var newline = from < window.Length ? window[from..].IndexOf((byte)'\n') : -1;
                if (newline < 0)
                {
                    return NoNewline(window.Length, input.Length, out scanned, out declared);
                }

                newline += from;
                return LineEndingAt(newline, newline > 0 && input[newline - 1] == (byte)'\r', out frame, out declared);

            default:
                if (input.Length < ProtocolLimits.LengthPrefixSize)
                {
                    return FrameStatus.Incomplete;
                }

                var prefix = BinaryPrimitives.ReadInt32BigEndian(input);
                return CheckLengthPrefix(prefix, input.Length, out frame, out declared);
        }
    }

    /// <summary>
    /// A line whose '\n' is at <paramref name="newline"/> (a '\r' just before it, <paramref name="carriageReturn"/>,
    /// is not part of the message): complete, or too large. Both the span and the sequence searches end here.
    /// </summary>
    internal FrameStatus LineEndingAt(int newline, bool carriageReturn, out Frame frame, out long declared)
    {
        var length = carriageReturn ? newline - 1 : newline;
        if (length > MaxFrame)
        {
            frame = default;
            declared = length;
            return FrameStatus.TooLarge;
        }

        frame = new Frame(0, length, newline + 1);
        declared = 0;
        return FrameStatus.Complete;
    }

    /// <summary>
    /// No '\n' in the first <paramref name="window"/> of <paramref name="available"/> bytes: too large once the
    /// search limit is reached, else incomplete with the window <paramref name="scanned"/> (0 when too large).
    /// </summary>
    internal FrameStatus NoNewline(int window, long available, out int scanned, out long declared)
    {
        declared = window;
        if (available >= LineSearchLimit)
        {
            scanned = 0;
            return FrameStatus.TooLarge;
        }

        scanned = window;
        return FrameStatus.Incomplete;
    }

    /// <summary>Validates a length prefix already read, and whether its payload is all in <paramref name="available"/> bytes.</summary>
    internal FrameStatus CheckLengthPrefix(int prefix, long available, out Frame frame, out long declared)
    {
        frame = default;
        declared = prefix;
        if (prefix < 0)
        {
            return FrameStatus.Malformed;
        }

        if (prefix > MaxFrame)
        {
            return FrameStatus.TooLarge;
        }

        var total = ProtocolLimits.LengthPrefixSize + prefix;
        if (available < total)
        {
            return FrameStatus.Incomplete;
        }

        frame = new Frame(ProtocolLimits.LengthPrefixSize, prefix, total);
        return FrameStatus.Complete;
    }

    /// <summary>Writes the header that precedes a payload of <paramref name="payloadLength"/> bytes; returns bytes written.</summary>
    public int WriteHeader(int payloadLength, Span<byte> destination)
    {
        if (Framing != FramingKind.Length)
        {
            return 0;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination, payloadLength);
        return ProtocolLimits.LengthPrefixSize;
    }

    /// <summary>Writes what follows a payload (the newline of line framing); returns bytes written.</summary>
    public int WriteTrailer(Span<byte> destination)
    {
        if (Framing != FramingKind.Line)
        {
            return 0;
        }

        destination[0] = (byte)'\n';
        return 1;
    }

    /// <summary>Writes a whole frame holding <paramref name="payload"/>, transformed; returns bytes written.</summary>
    public int Write(ReadOnlySpan<byte> payload, Span<byte> destination, TransformKind transform = TransformKind.Echo)
    {
        var written = WriteHeader(payload.Length, destination);
        Transform.Apply(transform, payload, destination[written..]);
        written += payload.Length;
        return written + WriteTrailer(destination[written..]);
    }

    /// <summary>Encodes one frame into a new array (for clients and tests, not hot paths).</summary>
    public byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var buffer = new byte[payload.Length + Overhead];
        Write(payload, buffer);
        return buffer;
    }
}
