using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Protocol;

/// <summary>The shared pipe session over an in-memory duplex pipe: no sockets, every byte boundary.</summary>
public sealed class PipeSessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static async Task<(SessionResult Result, byte[] Reply)> EchoAsync(ProtocolOptions options, byte[] wire, int chunk, ISessionCounters? counters = null)
    {
        var connection = new InMemoryConnection();
        var session = new PipeSession(options, counters).RunAsync(connection.Server, Ct);
        var replies = connection.ReceiveAllAsync();
        await connection.SendAsync(wire, chunk);
        await connection.ClientOutput.CompleteAsync();
        var result = await session.WaitAsync(Timeout, Ct);
        return (result, await replies.WaitAsync(Timeout, Ct));
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    [InlineData(FramingKind.Raw)]
    public async Task Echoes_frames_split_at_every_byte(FramingKind framing)
    {
        var framer = new SpanFramer(framing);
        var wire = new[] { "one", "", "three three", new string('z', 700) }.SelectMany(s => framer.Encode(Ascii(s))).ToArray();
        var (result, reply) = await EchoAsync(new ProtocolOptions { Framing = framing }, wire, chunk: 1);
        Assert.Equal(wire, reply);
        Assert.Equal(SessionEndReason.PeerClosed, result.Reason);
        Assert.Equal(wire.Length, result.BytesIn);
        Assert.Equal(wire.Length, result.BytesOut);
    }

    [Fact]
    public async Task Upper_transform_is_applied_per_frame_and_crlf_becomes_lf()
    {
        var (_, reply) = await EchoAsync(new ProtocolOptions { Framing = FramingKind.Line, Transform = TransformKind.Upper }, Encoding.UTF8.GetBytes("hello\r\nwörld\n"), chunk: 3);
        Assert.Equal(Encoding.UTF8.GetBytes("HELLO\nWöRLD\n"), reply);
    }

    [Fact]
    public async Task Pipelined_frames_in_one_write_are_all_echoed_and_counted_per_batch()
    {
        var framer = new SpanFramer(FramingKind.Length);
        var frames = Enumerable.Range(0, 1000).Select(i => framer.Encode(BitConverter.GetBytes(i))).ToArray();
        var wire = frames.SelectMany(f => f).ToArray();
        var counters = new RecordingCounters();
        var (result, reply) = await EchoAsync(new ProtocolOptions { Framing = FramingKind.Length }, wire, chunk: int.MaxValue, counters);
        Assert.Equal(wire, reply);
        Assert.Equal(1000, result.Messages);
        Assert.Equal(1000, counters.Messages);
        Assert.True(counters.Batches < 1000, $"expected batching, got {counters.Batches} batches");
        Assert.Equal(wire.Length, counters.BytesIn);
    }

    [Fact]
    public async Task Half_close_echoes_everything_then_completes_output()
    {
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);
        var (result, reply) = await EchoAsync(new ProtocolOptions(), payload, chunk: 7919);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(reply));
        Assert.Equal(SessionEndReason.PeerClosed, result.Reason);
    }

    [Fact]
    public async Task Oversized_line_gets_an_error_line_after_the_earlier_replies_then_close()
    {
        var options = new ProtocolOptions { Framing = FramingKind.Line, MaxFrame = 8 };
        var (result, reply) = await EchoAsync(options, Ascii("ok\n" + new string('x', 20) + "\nnever\n"), chunk: 5);
        Assert.Equal("ok\nERROR: line too long: no newline within 10 bytes (max frame 8 bytes)\n", Encoding.ASCII.GetString(reply));
        Assert.Equal(SessionEndReason.ProtocolError, result.Reason);
        Assert.Equal(ProtocolErrorKind.FrameTooLarge, result.Error?.Kind);
    }

    [Fact]
    public async Task Oversized_length_prefix_closes_without_reading_the_payload()
    {
        var framer = new SpanFramer(FramingKind.Length);
        var wire = framer.Encode("fine"u8).Concat(framer.Encode(new byte[100])).ToArray();
        var (result, reply) = await EchoAsync(new ProtocolOptions { Framing = FramingKind.Length, MaxFrame = 50 }, wire, chunk: int.MaxValue);
        Assert.Equal(framer.Encode("fine"u8), reply);
        Assert.Equal(SessionEndReason.ProtocolError, result.Reason);
        Assert.Equal(100, result.Error?.Declared);
    }

    [Fact]
    public async Task Close_request_stops_reading_and_flushes_what_was_read()
    {
        var connection = new InMemoryConnection();
        using var close = new CancellationTokenSource();
        var session = new PipeSession(new ProtocolOptions { Framing = FramingKind.Line }).RunAsync(connection.Server, close.Token);
        await connection.SendAsync(Ascii("before\n"));
        var first = await connection.ClientInput.ReadAtLeastAsync(7, Ct).AsTask().WaitAsync(Timeout, Ct);
        Assert.Equal("before\n", Encoding.ASCII.GetString(first.Buffer.ToArray()));
        connection.ClientInput.AdvanceTo(first.Buffer.End);

        await close.CancelAsync();
        var result = await session.WaitAsync(Timeout, Ct);
        Assert.Equal(SessionEndReason.Closing, result.Reason);
        Assert.Empty(await connection.ReceiveAllAsync().WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_the_idle_timeout()
    {
        var connection = new InMemoryConnection();
        var options = new ProtocolOptions { IdleTimeout = TimeSpan.FromMilliseconds(100) };
        var result = await new PipeSession(options).RunAsync(connection.Server, Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(SessionEndReason.IdleTimeout, result.Reason);
    }

    [Fact]
    public async Task Peer_that_does_not_read_stops_being_read_and_memory_stays_bounded()
    {
        const int Pause = 16 * 1024;
        var connection = new InMemoryConnection(new PipeOptions(pauseWriterThreshold: Pause, resumeWriterThreshold: Pause / 2));
        var session = new PipeSession(new ProtocolOptions()).RunAsync(connection.Server, Ct);
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var sending = connection.SendAsync(payload, chunk: 4096);

        // The client's writes can only finish if the server keeps consuming, which it must not do while nobody reads.
        await Assert.ThrowsAsync<TimeoutException>(() => sending.WaitAsync(TimeSpan.FromMilliseconds(300), Ct));
        Assert.True(connection.ClientInput.TryRead(out var pending));
        Assert.InRange(pending.Buffer.Length, 1, Pause + ProtocolLimits.DefaultMaxFrame);
        connection.ClientInput.AdvanceTo(pending.Buffer.Start);

        var replies = connection.ReceiveAllAsync();
        await sending.WaitAsync(Timeout, Ct);
        await connection.ClientOutput.CompleteAsync();
        await session.WaitAsync(Timeout, Ct);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(await replies.WaitAsync(Timeout, Ct)));
    }

    [Fact]
    public async Task Io_work_delays_replies_but_keeps_them_in_order()
    {
        var options = new ProtocolOptions { Framing = FramingKind.Line, Work = WorkSpec.Parse("io:1ms") };
        var (_, reply) = await EchoAsync(options, Ascii("a\nb\nc\n"), chunk: int.MaxValue);
        Assert.Equal("a\nb\nc\n", Encoding.ASCII.GetString(reply));
    }

    private sealed class RecordingCounters : ISessionCounters
    {
        public long Messages { get; private set; }

        public long BytesIn { get; private set; }

        public int Batches { get; private set; }

        public void OnEchoed(int messages, long bytesIn, long bytesOut)
        {
            Messages += messages;
            BytesIn += bytesIn;
            Batches++;
        }
    }
}
