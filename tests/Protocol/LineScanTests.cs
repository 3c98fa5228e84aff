using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Protocol;

/// <summary>
/// A long line arriving in many reads is scanned for its end once, not once per read: the framers resume where the
/// last search stopped. The work bound is checked by planting a newline in the part already reported scanned —
/// a framer that rescans finds it, one that resumes does not.
/// </summary>
public sealed class LineScanTests
{
    private const int Max = 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Span_framer_does_not_look_again_at_bytes_it_has_scanned()
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        var input = Encoding.ASCII.GetBytes(new string('a', 100));
        var scanned = 0;
        Assert.Equal(FrameStatus.Incomplete, framer.TryParse(input.AsSpan(0, 60), ref scanned, out _, out _));
        Assert.Equal(60, scanned);

        input[10] = (byte)'\n'; // in the scanned part: never looked at again
        input[80] = (byte)'\n';
        Assert.Equal(FrameStatus.Complete, framer.TryParse(input, ref scanned, out var frame, out _));
        Assert.Equal(80, frame.PayloadLength);
        Assert.Equal(81, frame.Consumed);
        Assert.Equal(0, scanned);
    }

    [Fact]
    public void Pipe_reader_does_not_look_again_at_bytes_it_has_scanned_across_segments()
    {
        var reader = new FrameReader(FramingKind.Line, Max);
        var wire = Encoding.ASCII.GetBytes(new string('b', 300));
        long scanned = 0;
        var consumed = default(SequencePosition);
        var examined = default(SequencePosition);
        Assert.False(reader.TryParseMessage(Sequences.Split(wire[..200], 50, 120), ref scanned, ref consumed, ref examined, out _));
        Assert.Equal(200, scanned);

        wire[30] = (byte)'\n';
        wire[250] = (byte)'\n';
        var input = Sequences.Split(wire, 50, 120, 200);
        Assert.True(reader.TryParseMessage(input, ref scanned, ref consumed, ref examined, out var message));
        Assert.Equal(250, message.Length);
        Assert.Equal(251, input.Slice(0, consumed).Length);
        Assert.Equal(0, scanned);
    }

    [Fact]
    public void A_carriage_return_in_the_scanned_part_still_belongs_to_the_line_end()
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        var input = "abc\r\n"u8.ToArray();
        var scanned = 0;
        Assert.Equal(FrameStatus.Incomplete, framer.TryParse(input.AsSpan(0, 4), ref scanned, out _, out _));
        Assert.Equal(FrameStatus.Complete, framer.TryParse(input, ref scanned, out var frame, out _));
        Assert.Equal(3, frame.PayloadLength);
    }

    [Fact]
    public void An_endless_line_is_still_too_large_when_it_arrives_in_pieces()
    {
        var framer = new SpanFramer(FramingKind.Line, Max);
        var input = new byte[Max + 10];
        var scanned = 0;
        FrameStatus status = FrameStatus.Incomplete;
        for (var end = 100; status == FrameStatus.Incomplete; end = Math.Min(end + 100, input.Length))
        {
            status = framer.TryParse(input.AsSpan(0, end), ref scanned, out _, out _);
            Assert.True(status != FrameStatus.Incomplete || end < input.Length, "the whole input was seen as incomplete");
        }

        Assert.Equal(FrameStatus.TooLarge, status);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(4096)]
    public async Task Pipe_session_echoes_long_crlf_lines_split_at_every_size(int chunk)
    {
        var lines = new[] { new string('x', 5000), string.Empty, new string('y', 999) };
        var wire = Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
        var expected = Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        var connection = new InMemoryConnection();
        var session = new PipeSession(new ProtocolOptions { Framing = FramingKind.Line, MaxFrame = 8192 }).RunAsync(connection.Server, Ct);
        var replies = connection.ReceiveAllAsync();
        await connection.SendAsync(wire, chunk);
        await connection.ClientOutput.CompleteAsync();
        var result = await session.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(SessionEndReason.PeerClosed, result.Reason);
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await replies.WaitAsync(TimeSpan.FromSeconds(30), Ct)));
    }

    [Fact]
    public void Pipe_reader_touches_each_segment_of_a_long_line_a_bounded_number_of_times()
    {
        // A line of 2,000 segments arriving one segment per read, as a pipe hands over 4 KiB reads: rescanning the
        // whole line on every read would look into ~2,000,000 segments; resuming looks into each about once.
        const int segments = 2000;
        const int size = 64;
        var spans = new CountingMemory[segments];
        for (var i = 0; i < segments; i++)
        {
            var bytes = new byte[size];
            bytes.AsSpan().Fill((byte)'q');
            if (i == segments - 1)
            {
                bytes[^1] = (byte)'\n';
            }

            spans[i] = new CountingMemory(bytes);
        }

        var chain = Sequences.Chain(spans.Select(m => (ReadOnlyMemory<byte>)m.Memory).ToArray());
        var reader = new FrameReader(FramingKind.Line, segments * size);
        long scanned = 0;
        var found = false;
        for (var k = 1; k <= segments; k++)
        {
            var input = Sequences.FirstSegments(chain, k);
            var consumed = input.Start;
            var examined = input.End;
            found = reader.TryParseMessage(input, ref scanned, ref consumed, ref examined, out var message);
            Assert.Equal(k == segments, found);
            if (found)
            {
                Assert.Equal((segments * size) - 1, message.Length);
            }
        }

        var looks = spans.Sum(m => m.Spans);
        Assert.True(looks <= 3 * segments, $"{looks} looks into {segments} segments");
    }

    /// <summary>Memory that counts how often its bytes are looked at (every span taken of it).</summary>
    private sealed class CountingMemory(byte[] bytes) : MemoryManager<byte>
    {
        public int Spans { get; private set; }

        public override Span<byte> GetSpan()
        {
            Spans++;
            return bytes;
        }

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
