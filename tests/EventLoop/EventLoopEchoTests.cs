using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.EventLoop;

public sealed class EventLoopEchoTests
{
    [Fact]
    public async Task Raw_echoes_1MiB_random_payload_byte_exact()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = await server.ConnectAsync();
        var random = new Random(1);
        var payload = new byte[1 << 20];
        random.NextBytes(payload);

        var receive = client.ReceiveExactlyAsync(payload.Length);
        await client.SendSplitAsync(payload, random, maxChunk: 100_000);
        var reply = await receive;

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(reply));
        Assert.Equal(payload.Length, server.Metrics.Snapshot().BytesIn);
    }

    [Theory]
    [InlineData(FramingKind.Line, TransformKind.Echo, 2_000)]
    [InlineData(FramingKind.Line, TransformKind.Upper, 2_000)]
    [InlineData(FramingKind.Length, TransformKind.Echo, 60_000)]
    [InlineData(FramingKind.Length, TransformKind.Upper, 60_000)]
    [InlineData(FramingKind.Raw, TransformKind.Upper, 60_000)]
    public async Task Pipelined_frames_split_at_random_points_are_answered_in_order(FramingKind framing, TransformKind transform, int maxPayload)
    {
        var protocol = new ProtocolOptions { Framing = framing, Transform = transform };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var client = await server.ConnectAsync();
        var random = new Random(2);
        var framer = protocol.CreateSpanFramer();
        using var request = new MemoryStream();
        using var expected = new MemoryStream();
        for (var i = 0; i < 60; i++)
        {
            // Printable ASCII with mixed case, so "upper" has work to do and no byte looks like a line end.
            var payload = new byte[random.Next(0, maxPayload)];
            for (var j = 0; j < payload.Length; j++)
            {
                payload[j] = (byte)random.Next(0x20, 0x7F);
            }

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

        var receive = client.ReceiveExactlyAsync((int)expected.Length);
        await client.SendSplitAsync(request.ToArray(), random, maxChunk: 20_000);

        Assert.Equal(SHA256.HashData(expected.ToArray()), SHA256.HashData(await receive));
        if (framing != FramingKind.Raw)
        {
            Assert.Equal(60, server.Metrics.Snapshot().Messages);
        }
    }

    [Fact]
    public async Task Upper_answers_a_line_in_capitals_and_leaves_other_bytes_alone()
    {
        var protocol = new ProtocolOptions { Framing = FramingKind.Line, Transform = TransformKind.Upper };
        await using var server = await RunningServer.StartAsync(new ServerOptions { Protocol = protocol });
        using var client = await server.ConnectAsync();

        var reply = await client.EchoAsync(Encoding.UTF8.GetBytes("hello, World 42 é\r\n"), Encoding.UTF8.GetByteCount("HELLO, WORLD 42 é\n"));

        Assert.Equal("HELLO, WORLD 42 é\n", Encoding.UTF8.GetString(reply));
    }

    [Fact]
    public async Task Two_loops_share_the_port_and_both_serve()
    {
        await using var server = await RunningServer.StartAsync(new ServerOptions { Loops = 2 });
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 32; i++)
            {
                clients.Add(await server.ConnectAsync());
            }

            var random = new Random(3);
            foreach (var client in clients)
            {
                var message = new byte[64];
                random.NextBytes(message);
                Assert.Equal(message, await client.EchoAsync(message, message.Length));
            }

            var accepted = server.Server.Loops.Select(l => l.AcceptedCount).ToArray();
            Assert.Equal(32, accepted.Sum());

            // SO_REUSEPORT hashes connections over the listeners; 32 landing on one of two is a 2^-31 chance.
            Assert.All(accepted, count => Assert.True(count > 0, $"a loop accepted nothing: {string.Join(", ", accepted)}"));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Steady_state_echo_allocates_nothing_on_the_loop_thread()
    {
        await using var server = await RunningServer.StartAsync();
        var loop = server.Server.Loops[0];
        loop.TrackAllocations = true;
        using var client = await server.ConnectAsync();
        var message = new byte[64];
        new Random(4).NextBytes(message);

        for (var i = 0; i < 2_000; i++)
        {
            await client.EchoAsync(message, message.Length);
        }

        var before = loop.AllocatedBytes;
        for (var i = 0; i < 5_000; i++)
        {
            await client.EchoAsync(message, message.Length);
        }

        var allocated = loop.AllocatedBytes - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"loop thread: {before} bytes allocated at warm-up, {allocated} more over 5,000 echoes");
        Assert.True(before > 0, "the allocation sampler never ran");
        Assert.True(allocated < 1024, $"the loop allocated {allocated} bytes over 5,000 echoes");
    }
}
