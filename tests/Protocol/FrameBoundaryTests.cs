using System.Buffers.Binary;
using System.Text;
using EchoServers.Protocol.Framing;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Protocol;

/// <summary>The exact edges of each framing: limits, terminators, prefixes.</summary>
public sealed class FrameBoundaryTests
{
    private const int Max = 16;

    private static byte[] Line(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Prefix(int length)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        return prefix;
    }

    [Theory]
    [InlineData("abc\n", 3, 4)]
    [InlineData("abc\r\n", 3, 5)]
    [InlineData("\n", 0, 1)]
    [InlineData("\r\n", 0, 2)]
    [InlineData("a\rb\n", 3, 4)]
    public void Line_framing_finds_the_payload_and_strips_one_carriage_return(string wire, int payloadLength, int consumed)
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        Assert.Equal(FrameStatus.Complete, framer.TryParse(Line(wire), out var frame, out _));
        Assert.Equal(new Frame(0, payloadLength, consumed), frame);
    }

    [Fact]
    public void Line_of_exactly_max_bytes_is_accepted_with_either_terminator()
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        var payload = new string('x', Max);
        Assert.Equal(FrameStatus.Complete, framer.TryParse(Line(payload + "\n"), out var lf, out _));
        Assert.Equal(Max, lf.PayloadLength);
        Assert.Equal(FrameStatus.Complete, framer.TryParse(Line(payload + "\r\n"), out var crlf, out _));
        Assert.Equal(Max, crlf.PayloadLength);
    }

    [Fact]
    public void Line_one_byte_over_max_is_rejected_even_when_its_newline_is_there()
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        Assert.Equal(FrameStatus.TooLarge, framer.TryParse(Line(new string('x', Max + 1) + "\n"), out _, out var declared));
        Assert.Equal(Max + 1, declared);
    }

    [Fact]
    public void Length_prefix_of_zero_is_an_empty_frame()
    {
        var framer = new SpanFramer(FramingKind.Length, Max);
        Assert.Equal(FrameStatus.Complete, framer.TryParse(Prefix(0), out var frame, out _));
        Assert.Equal(new Frame(4, 0, 4), frame);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Negative_length_prefix_is_malformed(int length)
    {
        var framer = new SpanFramer(FramingKind.Length, Max);
        Assert.Equal(FrameStatus.Malformed, framer.TryParse(Prefix(length), out _, out var declared));
        Assert.Equal(length, declared);
    }

    [Theory]
    [InlineData(Max + 1)]
    [InlineData(int.MaxValue)]
    public void Length_prefix_over_max_is_too_large_before_any_payload_arrives(int length)
    {
        var framer = new SpanFramer(FramingKind.Length, Max);
        Assert.Equal(FrameStatus.TooLarge, framer.TryParse(Prefix(length), out _, out _));
    }

    [Fact]
    public void Length_frame_waits_for_its_whole_payload()
    {
        var framer = new SpanFramer(FramingKind.Length, Max);
        var wire = framer.Encode("0123456789"u8);
        for (var available = 0; available < wire.Length; available++)
        {
            Assert.Equal(FrameStatus.Incomplete, framer.TryParse(wire.AsSpan(0, available), out _, out _));
        }

        Assert.Equal(FrameStatus.Complete, framer.TryParse(wire, out _, out _));
    }

    [Fact]
    public void Raw_framing_cuts_reads_larger_than_max_into_max_sized_chunks()
    {
        var framer = new SpanFramer(FramingKind.Raw, Max);
        Assert.Equal(FrameStatus.Complete, framer.TryParse(new byte[Max * 2 + 1], out var frame, out _));
        Assert.Equal(new Frame(0, Max, Max), frame);
        Assert.Equal(FrameStatus.Incomplete, framer.TryParse([], out _, out _));
    }

    [Fact]
    public void Pipeline_reader_handles_a_carriage_return_and_newline_in_different_segments()
    {
        var reader = new FrameReader(FramingKind.Line, Max);
        var wire = Line("abc\r\ndef\n");
        var (frames, remaining) = FrameDecoding.WithFrameReader(reader, Sequences.Split(wire, 4));
        Assert.Equal(0, remaining);
        Assert.Equal(["abc"u8.ToArray(), "def"u8.ToArray()], frames);
    }

    [Fact]
    public void Pipeline_reader_reads_a_length_prefix_split_over_four_segments()
    {
        var framer = new SpanFramer(FramingKind.Length, Max);
        var reader = new FrameReader(FramingKind.Length, Max);
        var wire = framer.Encode("xyz"u8);
        var (frames, _) = FrameDecoding.WithFrameReader(reader, Sequences.Split(wire, 1, 2, 3, 4, 5));
        Assert.Equal(["xyz"u8.ToArray()], frames);
    }

    [Fact]
    public void Pipeline_reader_throws_a_typed_error_for_an_endless_line_split_over_segments()
    {
        var reader = new FrameReader(FramingKind.Line, Max);
        var wire = Line(new string('y', Max + 2));
        var ex = Assert.Throws<ProtocolException>(() => FrameDecoding.WithFrameReader(reader, Sequences.Split(wire, 3, 9)));
        Assert.Equal(ProtocolErrorKind.FrameTooLarge, ex.Error.Kind);
        Assert.Equal(FramingKind.Line, ex.Error.Framing);
        Assert.Contains("max frame 16 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_reader_throws_a_typed_error_for_a_negative_prefix()
    {
        var reader = new FrameReader(FramingKind.Length, Max);
        var ex = Assert.Throws<ProtocolException>(() => FrameDecoding.WithFrameReader(reader, Sequences.Split(Prefix(-5), 2)));
        Assert.Equal(ProtocolErrorKind.MalformedLength, ex.Error.Kind);
        Assert.Equal(-5, ex.Error.Declared);
        Assert.Equal("malformed length prefix -5 (must be 0..16)", ex.Error.Describe());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ProtocolLimits.MaxMaxFrame + 1)]
    public void A_framer_refuses_an_absurd_maximum(int max) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpanFramer(FramingKind.Line, max));
}
