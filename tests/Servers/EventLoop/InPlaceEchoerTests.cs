using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Servers.EventLoop;

namespace EchoServers.Tests.Servers.EventLoop;

public sealed class InPlaceEchoerTests
{
    [Fact]
    public void A_line_trickling_in_byte_by_byte_is_answered_once_complete()
    {
        var echoer = new InPlaceEchoer(new ProtocolOptions { Framing = FramingKind.Line, Transform = TransformKind.Upper });
        var input = "hello, world\r\n"u8.ToArray();
        var buffer = new byte[64];
        for (var length = 1; length <= input.Length; length++)
        {
            // As the loop does: the partial line so far sits at the start, one new byte behind it.
            buffer[length - 1] = input[length - 1];
            var count = echoer.Process(buffer, length, length - 1, out var written, out var consumed, out var failure, out _);

            Assert.Equal(FrameStatus.Incomplete, failure);
            if (length < input.Length)
            {
                Assert.Equal(0, count);
                Assert.Equal(0, consumed);
            }
            else
            {
                Assert.Equal(1, count);
                Assert.Equal(input.Length, consumed);
                Assert.Equal("HELLO, WORLD\n"u8.ToArray(), buffer[..written]);
            }
        }
    }

    [Fact]
    public void A_carried_line_over_the_limit_is_still_reported_too_large()
    {
        var echoer = new InPlaceEchoer(new ProtocolOptions { Framing = FramingKind.Line, MaxFrame = 10 });
        var buffer = new byte[64];
        buffer.AsSpan(0, 12).Fill((byte)'x');

        echoer.Process(buffer, 11, 10, out _, out _, out var before, out _);
        echoer.Process(buffer, 12, 11, out _, out _, out var after, out var declared);

        Assert.Equal(FrameStatus.Incomplete, before);
        Assert.Equal(FrameStatus.TooLarge, after);
        Assert.Equal(12, declared);
    }

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public void Replies_are_compacted_in_place_in_order(FramingKind framing)
    {
        var options = new ProtocolOptions { Framing = framing, Transform = TransformKind.Upper };
        var framer = options.CreateSpanFramer();
        var echoer = new InPlaceEchoer(options);
        var random = new Random(7);
        using var input = new MemoryStream();
        using var expected = new MemoryStream();
        for (var i = 0; i < 50; i++)
        {
            var payload = new byte[random.Next(0, 300)];
            for (var j = 0; j < payload.Length; j++)
            {
                payload[j] = (byte)random.Next(0x20, 0x7F);
            }

            var frame = framer.Encode(payload);
            input.Write(frame);
            if (framing == FramingKind.Line)
            {
                input.Seek(-1, SeekOrigin.Current);
                input.Write("\r\n"u8);
            }

            var reply = Transform.Expected(TransformKind.Upper, payload);
            expected.Write(framing == FramingKind.Raw ? reply : framer.Encode(reply));
        }

        var buffer = input.ToArray();
        echoer.Process(buffer, buffer.Length, 0, out var written, out var consumed, out var failure, out _);

        Assert.Equal(FrameStatus.Incomplete, failure);
        Assert.Equal(buffer.Length, consumed);
        Assert.Equal(expected.ToArray(), buffer[..written]);
    }
}
