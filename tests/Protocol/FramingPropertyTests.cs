using CsCheck;
using EchoServers.Protocol.Framing;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Protocol;

/// <summary>Properties every framing must have, over random frames and random ways of splitting the stream.</summary>
public sealed class FramingPropertyTests
{
    private const int MaxFrame = 512;

    private static readonly Gen<byte[]> LinePayload = Gen.Byte.Where(b => b != (byte)'\n' && b != (byte)'\r').Array[0, MaxFrame];
    private static readonly Gen<byte[]> AnyPayload = Gen.Byte.Array[0, MaxFrame];

    private static Gen<(List<byte[]> Frames, int[] Cuts)> FramesAndCuts(Gen<byte[]> payload) =>
        from frames in payload.List[1, 12]
        from cuts in Gen.Int[0, 12 * (MaxFrame + 4)].Array[0, 10]
        select (frames, cuts);

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Any_frames_split_anywhere_decode_to_the_same_frames_with_the_pipeline_reader(FramingKind framing)
    {
        var framer = new SpanFramer(framing, MaxFrame);
        var reader = new FrameReader(framing, MaxFrame);
        FramesAndCuts(framing == FramingKind.Line ? LinePayload : AnyPayload).Sample(sample =>
        {
            var wire = sample.Frames.SelectMany(f => framer.Encode(f)).ToArray();
            var (decoded, remaining) = FrameDecoding.WithFrameReader(reader, Sequences.Split(wire, sample.Cuts));
            Assert.Equal(0, remaining);
            Assert.Equal(sample.Frames, decoded);
        });
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Any_frames_fed_in_any_chunks_decode_to_the_same_frames_with_the_span_framer(FramingKind framing)
    {
        var framer = new SpanFramer(framing, MaxFrame);
        FramesAndCuts(framing == FramingKind.Line ? LinePayload : AnyPayload).Sample(sample =>
        {
            var wire = sample.Frames.SelectMany(f => framer.Encode(f)).ToArray();
            var bounds = sample.Cuts.Where(c => c < wire.Length).Append(0).Append(wire.Length).Distinct().Order().ToArray();
            var chunks = bounds.Zip(bounds.Skip(1), (from, to) => wire[from..to]);
            Assert.Equal(sample.Frames, FrameDecoding.WithSpanFramer(framer, chunks));
        });
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Frames_fed_one_byte_at_a_time_decode_to_the_same_frames(FramingKind framing)
    {
        var framer = new SpanFramer(framing, MaxFrame);
        (framing == FramingKind.Line ? LinePayload : AnyPayload).List[1, 4].Sample(frames =>
        {
            var wire = frames.SelectMany(f => framer.Encode(f)).ToArray();
            Assert.Equal(frames, FrameDecoding.WithSpanFramer(framer, wire.Select(b => new[] { b })));
        }, iter: 200);
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Every_single_split_point_of_a_stream_decodes_the_same(FramingKind framing)
    {
        var framer = new SpanFramer(framing, MaxFrame);
        var reader = new FrameReader(framing, MaxFrame);
        var frames = new[] { "hello"u8.ToArray(), Array.Empty<byte>(), "a"u8.ToArray(), new byte[300].Select((_, i) => (byte)('a' + (i % 26))).ToArray() };
        var wire = frames.SelectMany(f => framer.Encode(f)).ToArray();
        for (var cut = 0; cut <= wire.Length; cut++)
        {
            for (var second = cut; second <= wire.Length; second += 37)
            {
                var (decoded, remaining) = FrameDecoding.WithFrameReader(reader, Sequences.Split(wire, cut, second));
                Assert.Equal(0, remaining);
                Assert.Equal(frames, decoded);
            }
        }
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Encode_then_decode_is_identity(FramingKind framing)
    {
        var framer = new SpanFramer(framing, MaxFrame);
        (framing == FramingKind.Line ? LinePayload : AnyPayload).Sample(payload =>
        {
            var wire = framer.Encode(payload);
            Assert.Equal(FrameStatus.Complete, framer.TryParse(wire, out var frame, out _));
            Assert.Equal(wire.Length, frame.Consumed);
            Assert.Equal(payload, wire.AsSpan(frame.PayloadOffset, frame.PayloadLength).ToArray());
        });
    }

    [Fact]
    public void Raw_framing_preserves_the_byte_stream_whatever_the_chunks()
    {
        var framer = new SpanFramer(FramingKind.Raw, MaxFrame);
        Gen.Byte.Array[1, 2000].Array[1, 8].Sample(chunks =>
        {
            var decoded = FrameDecoding.WithSpanFramer(framer, chunks);
            Assert.Equal(chunks.SelectMany(c => c).ToArray(), decoded.SelectMany(f => f).ToArray());
            Assert.All(decoded, f => Assert.InRange(f.Length, 1, MaxFrame));
        });
    }

    [Fact]
    public void Any_oversized_length_prefix_is_rejected_as_soon_as_the_prefix_is_in()
    {
        var framer = new SpanFramer(FramingKind.Length, MaxFrame);
        Gen.Int[MaxFrame + 1, int.MaxValue].Sample(declared =>
        {
            var prefix = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, declared);
            Assert.Equal(FrameStatus.TooLarge, framer.TryParse(prefix, out _, out var reported));
            Assert.Equal(declared, reported);
        });
    }

    [Fact]
    public void Any_line_without_newline_is_rejected_after_at_most_max_plus_two_bytes()
    {
        var framer = new SpanFramer(FramingKind.Line, MaxFrame);
        LinePayload.Select(Gen.Int[MaxFrame + 2, MaxFrame * 3], (_, length) => length).Sample(length =>
        {
            var data = Enumerable.Repeat((byte)'x', length).ToArray();
            Assert.Equal(FrameStatus.Incomplete, framer.TryParse(data.AsSpan(0, MaxFrame + 1), out _, out _));
            Assert.Equal(FrameStatus.TooLarge, framer.TryParse(data, out _, out _));
        });
    }
}
