using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Protocol.Transforms;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Connections;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Reliability;
using Microsoft.Extensions.Logging;

namespace EchoServers.Tests.Conformance;

/// <summary>
/// The behaviour every server model must have, run against each through one sealed subclass per model
/// (dotnet/runtime's socket test style). Servers run in process on port 0; every wait has a timeout.
/// </summary>
public abstract partial class EchoServerConformanceTests : ServerSurvivalTests
{
    private static readonly TimeSpan Timeout = TestClient.DefaultTimeout;

    /// <summary>The variant under test: the one thing each sealed subclass says.</summary>
    protected abstract ServerVariant Variant { get; }

    /// <summary>The model under test.</summary>
    protected ServerModel Model => Variant.Model;

    /// <summary>
    /// The suite's options for every test, on top of the variant's. The pool gets enough workers for the suite's
    /// crowds (a worker owns a connection, so the classic lesson's 5 could never serve 100 clients at once; its own
    /// tests show the 5).
    /// </summary>
    private static ServerOptions ForSuite(ServerOptions options) =>
        options.Model == ServerModel.Pool ? options with { Workers = 256 } : options;

    /// <summary>Starts the variant with the suite's adjustments, then the test's.</summary>
    protected Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null) =>
        Variant.StartAsync(o => configure is null ? ForSuite(o) : configure(ForSuite(o)));

    /// <summary>The survival cases run on this variant with the suite's options.</summary>
    protected sealed override async Task<SurvivingServer> StartSurvivorAsync(Func<ProtocolOptions, ProtocolOptions> protocol)
    {
        var server = await StartAsync(o => WithProtocol(o, protocol));
        return new SurvivingServer(server.EndPoint, server);
    }

    private static ServerOptions WithProtocol(ServerOptions options, Func<ProtocolOptions, ProtocolOptions> change) =>
        options with { Protocol = change(options.Protocol) };

    /// <summary>
    /// Waits until the server's counters reach the expected values, then asserts all of them at once: every model
    /// counts the same events (the hosting layer's <see cref="ConnectionEventLog"/>), so they cannot drift apart.
    /// </summary>
    private static async Task AssertCountersAsync(TestServer server, long accepted, long rejected = 0, long resets = 0, long idleCloses = 0, long protocolErrors = 0)
    {
        var expected = (accepted, rejected, resets, idleCloses, protocolErrors, failures: 0L);
        await server.WaitForAsync(m => (m.Accepted, m.Rejected, m.Resets, m.IdleCloses, m.ProtocolErrors, m.Failures) == expected);
        var m = server.Metrics.Snapshot();
        Assert.Equal(expected, (m.Accepted, m.Rejected, m.Resets, m.IdleCloses, m.ProtocolErrors, m.Failures));
    }

    /// <summary>
    /// Stops the server (flushing its per-interval summaries) and returns how many connections the summary lines
    /// "N connections {what} in the last …" at <paramref name="level"/> add up to.
    /// </summary>
    private static async Task<long> SummarisedAsync(TestServer server, string what, LogLevel level = LogLevel.Information)
    {
        await server.DisposeAsync();
        var pattern = new System.Text.RegularExpressions.Regex($"^(\\d+) connections {System.Text.RegularExpressions.Regex.Escape(what)} in the last \\d+s$");
        return server.Logs.Entries
            .Where(e => e.Category == "EchoServers.Connections" && e.Level == level)
            .Select(e => pattern.Match(e.Message))
            .Where(match => match.Success)
            .Sum(match => long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Echoes_1MiB_random_payload_split_into_random_writes_byte_exact()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();
        var payload = Payloads.Random(1024 * 1024, seed: 1688);

        var echoed = await client.ExchangeInRandomPiecesAsync(payload, payload.Length, seed: 7, maxChunk: 50_000, Timeout);
        Assert.Equal(Payloads.Sha256(payload), Payloads.Sha256(echoed));
        Assert.True(await server.WaitForAsync(m => m.BytesOut == payload.Length), "bytes out should count the whole payload");
    }

    [Fact]
    public async Task Serves_100_concurrent_clients()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Length }));
        var clients = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => server.ConnectAsync()));
        try
        {
            // Every client is connected before any sends: all 100 are served at the same time.
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var messages = Enumerable.Range(0, 10).Select(j => Payloads.Random(100 + j, seed: (i * 100) + j)).ToArray();
                var frames = Payloads.Frames(FramingKind.Length, messages);
                await client.SendAsync(frames);
                var echoed = await client.ReceiveExactlyAsync(frames.Length, Timeout);
                Assert.Equal(Payloads.Sha256(frames), Payloads.Sha256(echoed));
            })).WaitAsync(Timeout * 2, TestContext.Current.CancellationToken);
            Assert.Equal(100, server.Metrics.Snapshot().Accepted);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Echoes_pipelined_frames_in_order(FramingKind framing)
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = framing }));
        await using var client = await server.ConnectAsync();
        var messages = Enumerable.Range(0, 500).Select(i => Payloads.RandomText(1 + (i % 97), seed: i)).ToArray();
        var frames = Payloads.Frames(framing, messages);

        // One write holding 500 frames: the server must parse every complete frame of a read, not one per read.
        await client.SendAsync(frames);
        var echoed = await client.ReceiveExactlyAsync(frames.Length, Timeout);
        Assert.Equal(Payloads.Sha256(frames), Payloads.Sha256(echoed));
        if (framing != FramingKind.Raw)
        {
            Assert.True(await server.WaitForAsync(m => m.Messages == messages.Length), $"expected {messages.Length} messages, saw {server.Metrics.Snapshot().Messages}");
        }
    }

    [Theory]
    [InlineData("cpu:20us")]
    [InlineData("io:1ms")]
    public async Task Simulated_work_still_echoes_every_frame_in_order(string work)
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, Work = WorkSpec.Parse(work) }));
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();
        var messages = Enumerable.Range(0, 50).Select(i => Payloads.RandomText(10 + i, seed: i)).ToArray();
        var frames = Payloads.Frames(FramingKind.Line, messages);
        await Task.WhenAll(first.SendAsync(frames), second.SendAsync(frames));
        var echoed = await Task.WhenAll(first.ReceiveExactlyAsync(frames.Length, Timeout), second.ReceiveExactlyAsync(frames.Length, Timeout));
        Assert.All(echoed, e => Assert.Equal(Payloads.Sha256(frames), Payloads.Sha256(e)));
    }

    [Fact]
    public async Task Upper_transform_uppercases_ascii_letters_only()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, Transform = TransformKind.Upper }));
        await using var client = await server.ConnectAsync();
        const string Message = "Hello, wörld 123 [abc~xyz] \u00e9t\u00e9";
        await client.SendAsync(Message + "\r\n");
        var reply = await client.ReadLineAsync(Timeout);
        var expected = Encoding.UTF8.GetString(Transform.Expected(TransformKind.Upper, Encoding.UTF8.GetBytes(Message)));
        Assert.Equal(expected, reply);
        Assert.StartsWith("HELLO, W", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Half_close_echoes_everything_then_closes(FramingKind framing)
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = framing }));
        await using var client = await server.ConnectAsync();

        // Text holds no line end, so the same messages frame in all three; 256 KiB is more than the socket buffers
        // hold, so the FIN reaches the server while replies are still owed.
        var messages = Enumerable.Range(0, 64).Select(i => Payloads.RandomText(4000, seed: i)).ToArray();
        var frames = Payloads.Frames(framing, messages);
        var receiving = client.ReceiveToEndAsync(Timeout);
        await client.SendAsync(frames);
        client.ShutdownSend();

        var (echoed, reset) = await receiving;
        Assert.False(reset, "the server should close with a FIN after the last reply, not a reset");
        Assert.Equal(Payloads.Sha256(frames), Payloads.Sha256(echoed));
        Assert.True(await server.WaitForAsync(m => m.Active == 0), "the connection should be closed on the server");
        await AssertCountersAsync(server, accepted: 1);
    }

    [Fact]
    public async Task Client_reset_mid_stream_does_not_hurt_other_clients()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line }));
        await using var survivor = await server.ConnectAsync();
        await survivor.SendAsync("before\n");
        Assert.Equal("before", await survivor.ReadLineAsync(Timeout));

        for (var i = 0; i < 10; i++)
        {
            var victim = await server.ConnectAsync();
            await victim.SendAsync($"line {i}\npartial line without end");
            Assert.Equal($"line {i}", await victim.ReadLineAsync(Timeout));
            victim.Reset();
        }

        await survivor.SendAsync("after\n");
        Assert.Equal("after", await survivor.ReadLineAsync(Timeout));
        Assert.True(await server.WaitForAsync(m => m.Active == 1), "reset connections should be gone");
        await AssertCountersAsync(server, accepted: 11, resets: 10);
        await survivor.DisposeAsync();
        Assert.Equal(10, await SummarisedAsync(server, "reset by peer"));
        Assert.Empty(server.Logs.AtLeast(LogLevel.Warning));
        Assert.DoesNotContain(server.Logs.AtLeast(LogLevel.Information), e => e.Exception is not null);
    }

    [Fact]
    public async Task Max_connections_refuses_the_next_and_keeps_serving_the_others()
    {
        await using var server = await StartAsync(o => WithProtocol(o with { MaxConnections = 2 }, p => p with { Framing = FramingKind.Line }));
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();
        await first.SendAsync("one\n");
        await second.SendAsync("two\n");
        Assert.Equal("one", await first.ReadLineAsync(Timeout));
        Assert.Equal("two", await second.ReadLineAsync(Timeout));

        await using (var third = await server.ConnectAsync())
        {
            var refusal = await third.ReadLineAsync(Timeout);
            Assert.Equal("ERROR: server full: 2 connections already open (--max-connections)", refusal);
            Assert.Null(await third.ReadLineAsync(Timeout));
        }

        Assert.Equal(1, server.Metrics.Snapshot().Rejected);
        await first.SendAsync("still here\n");
        Assert.Equal("still here", await first.ReadLineAsync(Timeout));

        // A slot freed by a closing client is taken by the next one.
        await second.DisposeAsync();
        Assert.True(await server.WaitForAsync(m => m.Active == 1), "the closed client should release its slot");
        await using var fourth = await server.ConnectAsync();
        await fourth.SendAsync("four\n");
        Assert.Equal("four", await fourth.ReadLineAsync(Timeout));
        await AssertCountersAsync(server, accepted: 3, rejected: 1);

        // Refusals are one Information summary per interval, never a Warning per refused connection.
        await first.DisposeAsync();
        await fourth.DisposeAsync();
        Assert.Equal(1, await SummarisedAsync(server, "refused (--max-connections reached)"));
        Assert.Empty(server.Logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Idle_timeout_closes_a_silent_connection()
    {
        var idle = TimeSpan.FromMilliseconds(300);
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, IdleTimeout = idle }));
        await using var client = await server.ConnectAsync();
        await using var dribbler = await server.ConnectAsync();
        await client.SendAsync("ping\n");
        Assert.Equal("ping", await client.ReadLineAsync(Timeout));

        // Silent after a whole frame, and silent in the middle of one: both are idle.
        var silentSince = Stopwatch.StartNew();
        await dribbler.SendAsync("p");
        var (rest, _) = await client.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);
        Assert.True(silentSince.Elapsed >= idle * 0.8, $"closed after {silentSince.Elapsed.TotalMilliseconds:0} ms, before the idle timeout");
        var (dribbled, _) = await dribbler.ReceiveToEndAsync(Timeout);
        Assert.Empty(dribbled);
        Assert.True(await server.WaitForAsync(m => m.Active == 0));
        await AssertCountersAsync(server, accepted: 2, idleCloses: 2);
        Assert.Equal(2, await SummarisedAsync(server, "closed after the idle timeout"));
        Assert.Empty(server.Logs.AtLeast(LogLevel.Warning));
    }

    [Fact]
    public async Task Frame_timeout_closes_a_dribbler_that_never_idles_but_not_a_slow_sender_of_whole_frames()
    {
        var frameTimeout = TimeSpan.FromMilliseconds(400);
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, FrameTimeout = frameTimeout }));
        await using var dribbler = await server.ConnectAsync();
        await using var steady = await server.ConnectAsync();
        await dribbler.SendAsync("ping\n");
        Assert.Equal("ping", await dribbler.ReadLineAsync(Timeout));

        // The dribbler starts a frame and adds a byte every 100 ms (never idle); the server must cut it off.
        var started = Stopwatch.StartNew();
        var closed = dribbler.ReceiveToEndAsync(Timeout);
        var dribbled = 0;
        while (!closed.IsCompleted && started.Elapsed < Timeout)
        {
            try
            {
                await dribbler.SendAsync("x");
                dribbled++;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                break;
            }

            // Pacing, not synchronisation: the close is awaited through `closed`.
            await Task.WhenAny(closed, Task.Delay(100, TestContext.Current.CancellationToken));
        }

        var (rest, _) = await closed;
        Assert.Empty(rest);
        Assert.True(started.Elapsed >= frameTimeout * 0.8, $"closed after {started.Elapsed.TotalMilliseconds:0} ms, before the frame timeout");
        Assert.True(dribbled >= 3, $"only {dribbled} bytes dribbled before the close");

        // Whole frames sent slowly, spanning several frame timeouts in all, are each on time.
        var total = Stopwatch.StartNew();
        for (var i = 0; total.Elapsed < frameTimeout * 2.5; i++)
        {
            await steady.SendAsync($"line {i}\n");
            Assert.Equal($"line {i}", await steady.ReadLineAsync(Timeout));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        // A frame timeout is counted with the idle closes, in every model.
        await AssertCountersAsync(server, accepted: 2, idleCloses: 1);
    }

    [Fact]
    public async Task Oversized_line_gets_an_error_line_then_close_and_others_are_unaffected()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Line, MaxFrame = 1024 }));
        await using var bystander = await server.ConnectAsync();
        await using var offender = await server.ConnectAsync();
        await offender.SendAsync(Payloads.RandomText(4096, seed: 3));

        var error = await offender.ReadLineAsync(Timeout);
        Assert.NotNull(error);
        Assert.StartsWith(ErrorLine.Prefix, error, StringComparison.Ordinal);
        Assert.Contains("1024", error, StringComparison.Ordinal);
        var (rest, _) = await offender.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);

        await bystander.SendAsync("fine\n");
        Assert.Equal("fine", await bystander.ReadLineAsync(Timeout));
        await AssertCountersAsync(server, accepted: 2, protocolErrors: 1);
        var warning = Assert.Single(server.Logs.AtLeast(LogLevel.Warning));
        Assert.Equal("EchoServers.Connections", warning.Category);
        Assert.Matches(@"^protocol error from 127\.0\.0\.1:\d+: line too long: no newline within \d+ bytes \(max frame 1024 bytes\); connection closed$", warning.Message);
    }

    [Theory]
    [InlineData(ProtocolLimits.DefaultMaxFrame + 1)]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public async Task Illegal_length_prefix_closes_the_connection_at_once(int length)
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Length }));
        await using var client = await server.ConnectAsync();

        // A few payload bytes and no half-close: the server must act on the prefix alone, not wait for the payload.
        var prefix = new byte[4 + 16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        await client.SendAsync(prefix);

        var (rest, _) = await client.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);
        Assert.True(await server.WaitForAsync(m => m.ProtocolErrors == 1 && m.Active == 0));
    }

    [Fact]
    public async Task Malformed_length_prefix_closes_the_connection()
    {
        await using var server = await StartAsync(o => WithProtocol(o, p => p with { Framing = FramingKind.Length }));
        await using var bystander = await server.ConnectAsync();
        await using var client = await server.ConnectAsync();
        var good = Payloads.Frames(FramingKind.Length, [Payloads.Random(10, seed: 1)]);
        await client.SendAsync(good.Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE }).ToArray());

        // The good frame before the bad prefix is still answered.
        Assert.Equal(good, await client.ReceiveExactlyAsync(good.Length, Timeout));
        var (rest, _) = await client.ReceiveToEndAsync(Timeout);
        Assert.Empty(rest);

        await bystander.SendAsync(good);
        Assert.Equal(good, await bystander.ReceiveExactlyAsync(good.Length, Timeout));
        await AssertCountersAsync(server, accepted: 2, protocolErrors: 1);
        var warning = Assert.Single(server.Logs.AtLeast(LogLevel.Warning));
        Assert.Matches(@"^protocol error from 127\.0\.0\.1:\d+: malformed length prefix -2 .*; connection closed$", warning.Message);
    }

    [Fact]
    public async Task Slow_reader_is_throttled_with_bounded_memory_and_others_are_served()
    {
        const long Offered = 64L * 1024 * 1024;
        await using var server = await StartAsync();
        await using var bystander = await server.ConnectAsync();
        await using var hog = await server.ConnectAsync(s =>
        {
            s.SendBufferSize = 64 * 1024;
            s.ReceiveBufferSize = 64 * 1024;
        });

        // Send without ever reading. Once a send makes no progress for a while, the server has stopped reading.
        var chunk = Payloads.Random(64 * 1024, seed: 9);
        long accepted = 0;
        var stalled = false;
        while (accepted < Offered)
        {
            using var stall = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                accepted += await hog.Socket.SendAsync(chunk, SocketFlags.None, stall.Token);
            }
            catch (OperationCanceledException)
            {
                stalled = true;
                break;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{Variant}: {accepted / 1024} KiB accepted before the send stalled");
        Assert.True(stalled, $"the server kept reading: {accepted} bytes accepted from a client that never reads");

        // Kernel buffers on both sides plus the server's own bound; far below what was offered.
        Assert.True(accepted < 16L * 1024 * 1024, $"{accepted} bytes were accepted before the server pushed back");

        await bystander.SendAsync("still served");
        Assert.Equal("still served"u8.ToArray(), await bystander.ReceiveExactlyAsync("still served".Length, Timeout));
    }

    [Fact]
    public async Task Graceful_stop_answers_what_was_sent_then_closes_within_the_drain_timeout()
    {
        var drain = TimeSpan.FromMilliseconds(500);
        var server = await StartAsync(o => WithProtocol(o with { DrainTimeout = drain }, p => p with { Framing = FramingKind.Line }));
        await using (server)
        {
            await using var idle = await server.ConnectAsync();
            await using var busy = await server.ConnectAsync();
            await idle.SendAsync("hello\n");
            Assert.Equal("hello", await idle.ReadLineAsync(Timeout));

            // Both must be open connections of the server, not still in its accept backlog.
            Assert.True(await server.WaitForAsync(m => m.Active == 2), "both connections should be served");

            // Sent just before the stop, reply not read yet: it must still arrive.
            await busy.SendAsync("last words\n");
            var stopwatch = Stopwatch.StartNew();
            var stopping = server.Server.StopAsync(drain, CancellationToken.None);

            Assert.Equal("last words", await busy.ReadLineAsync(Timeout));
            var (idleRest, _) = await idle.ReceiveToEndAsync(Timeout);
            Assert.Empty(idleRest);
            var (busyRest, _) = await busy.ReceiveToEndAsync(Timeout);
            Assert.Empty(busyRest);

            await stopping.WaitAsync(drain + TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Assert.True(stopwatch.Elapsed < drain + TimeSpan.FromSeconds(4), $"stop took {stopwatch.Elapsed}");
            Assert.Equal(0, server.Metrics.Snapshot().Active);
        }
    }

    [Fact]
    public async Task Stop_without_connections_is_prompt_and_refuses_new_ones()
    {
        await using var server = await StartAsync(o => o with { DrainTimeout = TimeSpan.FromSeconds(5) });
        var endPoint = server.EndPoint;
        var stopwatch = Stopwatch.StartNew();
        await server.Server.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"stop took {stopwatch.Elapsed} with nothing to drain");

        var refused = await Assert.ThrowsAsync<SocketException>(() => TestClient.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Start_on_a_port_in_use_throws_address_in_use()
    {
        await using var first = await StartAsync();
        var error = await Assert.ThrowsAsync<SocketException>(() => StartAsync(o => o with { Port = first.EndPoint.Port }));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }
}
