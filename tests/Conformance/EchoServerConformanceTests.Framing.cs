using System.Text;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Protocol.Transforms;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Conformance;

/// <summary>Framing cases first written for the event loop alone (tests/EventLoop), now asked of every model.</summary>
public abstract partial class EchoServerConformanceTests
{
    [Theory]
    [InlineData(FramingKind.Line, TransformKind.Echo, 2_000)]
    [InlineData(FramingKind.Line, TransformKind.Upper, 2_000)]
    [InlineData(FramingKind.Length, TransformKind.Echo, 60_000)]
    [InlineData(FramingKind.Length, TransformKind.Upper, 60_000)]
    [InlineData(FramingKind.Raw, TransformKind.Upper, 60_000)]
    public async Task Pipelined_frames_split_at_random_points_are_answered_in_order(FramingKind framing, TransformKind transform, int maxPayload)
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = framing, Transform = transform }));
        await using var client = await server.ConnectAsync();
        var framer = server.Options.Protocol.CreateSpanFramer();
        var random = new Random(2);
        using var request = new MemoryStream();
        using var expected = new MemoryStream();
        for (var i = 0; i < 60; i++)
        {
            // Printable ASCII with mixed case, so "upper" has work to do and no byte looks like a line end.
            var payload = Payloads.RandomText(random.Next(0, maxPayload), seed: i);
            request.Write(framer.Encode(payload));
            if (framing == FramingKind.Line && i % 2 == 0)
            {
                // \r\n is accepted and answered with \n.
                request.Seek(-1, SeekOrigin.Current);
                request.Write("\r\n"u8);
            }

            var reply = Transform.Expected(transform, payload);
            expected.Write(framing == FramingKind.Raw ? reply : framer.Encode(reply));
        }

        // Frames cut at random points, sent while the replies are read: no frame boundary lines up with a read.
        var echoed = await client.ExchangeInRandomPiecesAsync(request.ToArray(), (int)expected.Length, seed: 2, maxChunk: 20_000, Timeout);
        Assert.Equal(Payloads.Sha256(expected.ToArray()), Payloads.Sha256(echoed));
        if (framing != FramingKind.Raw)
        {
            Assert.True(await server.WaitForAsync(m => m.Messages == 60), $"expected 60 messages, saw {server.Metrics.Snapshot().Messages}");
        }
    }

    [Fact]
    public async Task Line_too_long_behind_a_good_line_gets_both_replies_even_with_unread_input_left()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, MaxFrame = 100 }));
        await using var client = await server.ConnectAsync();

        // Far more than the server reads before it gives up, so unread input is left behind when it closes: closing
        // then resets the connection, and a reset would throw away the error line still in flight unless the server
        // lets it be read first.
        await client.SendAsync(Encoding.ASCII.GetBytes("short\n" + new string('x', 200_000)));

        Assert.Equal("short", await client.ReadLineAsync(Timeout));
        var error = await client.ReadLineAsync(Timeout);
        Assert.NotNull(error);
        Assert.StartsWith(ErrorLine.Prefix + "line too long", error, StringComparison.Ordinal);
        Assert.Contains("100", error, StringComparison.Ordinal);
        Assert.True(await server.WaitForAsync(m => m.ProtocolErrors == 1 && m.Active == 0));
    }
}
