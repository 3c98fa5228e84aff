using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;

namespace EchoServers.Servers.EventLoop;

/// <summary>
/// Turns received bytes into replies in the same buffer. Every framing writes a reply no longer than the frame it
/// answers (raw and length: same size; line: <c>\r\n</c> becomes <c>\n</c>), so replies are compacted towards the
/// start of the buffer while frames are parsed further on, and no second buffer or copy is needed. In the common case
/// (echo, nothing shifted) a reply is already in place and not even copied.
/// </summary>
internal sealed class InPlaceEchoer
{
    private readonly SpanFramer _framer;
    private readonly TransformKind _transform;
    private readonly WorkSpec _work;
    private readonly bool _cpuWork;
    private readonly int _lineSearchLimit;

    public InPlaceEchoer(ProtocolOptions options)
    {
        _framer = options.CreateSpanFramer();
        _transform = options.Transform;
        _work = options.Work;
        _cpuWork = !options.Work.IsNone && options.Work.Kind == WorkKind.Cpu;
        _lineSearchLimit = options.MaxFrame + ProtocolLimits.MaxLineTerminatorSize;
    }

    public FramingKind Framing => _framer.Framing;

    public int MaxFrame => _framer.MaxFrame;

    /// <summary>
    /// Parses every complete frame in <c>buffer[..length]</c> and writes the replies to <c>buffer[..written]</c>.
    /// Returns the frames answered; <paramref name="consumed"/> is where the unparsed rest (a partial frame) starts.
    /// <paramref name="carried"/> bytes at the start are a partial frame kept from earlier reads.
    /// </summary>
    public int Process(Span<byte> buffer, int length, int carried, out int written, out int consumed, out FrameStatus failure, out long declared)
    {
        var w = 0;
        var p = 0;
        var count = 0;
        failure = FrameStatus.Incomplete;
        declared = 0;
        if (carried > 0 && _framer.Framing == FramingKind.Line && length < _lineSearchLimit && buffer[carried..length].IndexOf((byte)'\n') < 0)
        {
            // A carried partial line holds no newline (or it would have been a frame), so only the new bytes need
            // looking at: a line trickling in byte by byte costs O(bytes), not a rescan of the whole line per read.
            written = 0;
            consumed = 0;
            return 0;
        }

        while (p < length)
        {
            var status = _framer.TryParse(buffer[p..length], out var frame, out declared);
            if (status != FrameStatus.Complete)
            {
                if (status != FrameStatus.Incomplete)
                {
                    failure = status;
                }

                break;
            }

            if (_cpuWork)
            {
                // Inline on purpose: CPU-bound work on an event loop stalls every connection of that loop.
                WorkSimulator.Spin(_work.Duration);
            }

            var payloadStart = p + frame.PayloadOffset;
            var len = frame.PayloadLength;
            w += _framer.WriteHeader(len, buffer[w..]);
            if (w != payloadStart || _transform != TransformKind.Echo)
            {
                // The reply starts at or before its payload, so a forward copy (memmove) never clobbers unread input.
                Transform.Apply(_transform, buffer.Slice(payloadStart, len), buffer[w..]);
            }

            w += len;
            w += _framer.WriteTrailer(buffer[w..]);
            p += frame.Consumed;
            count++;
        }

        written = w;
        consumed = p;
        return count;
    }
}
