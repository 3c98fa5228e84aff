using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Reliability.HostileClients;
using EchoServers.Tests.Reliability.Toxics;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// "The server survives": after each hostile action (or during it), a fresh well-behaved client still gets a
/// byte-exact echo. Abstract, like the conformance suite: each server model runs it through a sealed subclass
/// that passes its factory. Every case is bounded (well under 3 s on a quiet machine, 10 s hard timeouts).
/// </summary>
[Trait("Category", "Reliability")]
public abstract partial class ServerSurvivalTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    private readonly Func<ServerOptions, IEchoServer> _createServer;

    /// <summary>Runs every case against servers made by <paramref name="createServer"/> (given port 0 options).</summary>
    protected ServerSurvivalTests(Func<ServerOptions, IEchoServer> createServer) => _createServer = createServer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts a server with <paramref name="framing"/> on 127.0.0.1:0; dispose it to stop it.</summary>
    protected async Task<IEchoServer> StartAsync(FramingKind framing, TimeSpan idleTimeout = default)
    {
        var server = _createServer(new ServerOptions
        {
            Port = 0,
            StatsInterval = TimeSpan.Zero,
            Protocol = new ProtocolOptions { Framing = framing, IdleTimeout = idleTimeout },
        });
        await server.StartAsync(Ct).WaitAsync(EchoProbe.Timeout, Ct);
        return server;
    }

    [Theory]
    [InlineData(FramingKind.Raw, false)]
    [InlineData(FramingKind.Length, true)]
    public async Task Connect_and_reset_flood_leaves_the_server_serving(FramingKind framing, bool sendFirst)
    {
        await using var server = await StartAsync(framing);
        ReadOnlyMemory<byte> first = sendFirst ? new SpanFramer(framing).Encode(new byte[100]).AsMemory(0, 50) : default;

        var connected = await ConnectionFloods.ConnectResetFloodAsync(server.LocalEndPoint, 300, Ct, first).WaitAsync(Window, Ct);

        Assert.Equal(300, connected);
        Figure.Report($"{connected} connect+reset");
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Half_closers_each_get_their_whole_echo_then_end_of_stream(FramingKind framing)
    {
        await using var server = await StartAsync(framing);
        var wires = Enumerable.Range(0, 20).Select(_ => EchoProbe.RandomWire(framing, 16 * 1024)).ToArray();

        var outcomes = await Task.WhenAll(wires.Select(w => ConnectionFloods.HalfCloseAsync(server.LocalEndPoint, w, Window, Ct)));

        Assert.All(outcomes, (o, i) =>
        {
            Assert.Equal(PeerEnd.Closed, o.End);
            Assert.Equal(wires[i].Length, o.BytesReceived);
        });
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }

    [Theory]
    [InlineData(FramingKind.Line, false)]
    [InlineData(FramingKind.Line, true)]
    [InlineData(FramingKind.Length, false)]
    [InlineData(FramingKind.Length, true)]
    public async Task Mid_frame_disconnects_leave_the_server_serving(FramingKind framing, bool reset)
    {
        await using var server = await StartAsync(framing);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ConnectionFloods.MidFrameDisconnectAsync(server.LocalEndPoint, framing, reset, Window, Ct)));

        // After a FIN the server owes nothing for the cut frame but its own close.
        Assert.All(outcomes, o => Assert.Equal(reset ? PeerEnd.StillOpen : PeerEnd.Closed, o.End));

        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }

    [Fact]
    public async Task Random_bytes_in_length_framing_close_that_connection_only()
    {
        await using var server = await StartAsync(FramingKind.Length);

        // A random prefix is negative or over the limit with near certainty: the server must close without waiting for more.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => HostileInput.RandomBytesAsync(server.LocalEndPoint, 64 * 1024, Window, Ct)));

        Assert.All(outcomes, o => Assert.NotEqual(PeerEnd.StillOpen, o.End));
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Length, Ct);
    }

    [Theory]
    [InlineData(FramingKind.Raw)]
    [InlineData(FramingKind.Line)]
    public async Task Random_bytes_in_raw_and_line_framing_are_survived(FramingKind framing)
    {
        await using var server = await StartAsync(framing);

        // Random bytes hold newlines (line) or are simply data (raw); with a half-close the exchange must end either way.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => HostileInput.RandomBytesAsync(server.LocalEndPoint, 64 * 1024, Window, Ct, halfClose: true)));

        Assert.All(outcomes, o => Assert.NotEqual(PeerEnd.StillOpen, o.End));
        if (framing == FramingKind.Raw)
        {
            Assert.All(outcomes, o => Assert.Equal(o.BytesSent, o.BytesReceived));
        }

        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    [InlineData(ProtocolLimits.DefaultMaxFrame + 1)]
    public async Task Illegal_length_prefix_closes_that_connection_at_once(int prefix)
    {
        await using var server = await StartAsync(FramingKind.Length);

        // No half-close and a few payload bytes: the server must act on the prefix alone, not wait for the payload.
        var outcome = await HostileInput.LengthPrefixAsync(server.LocalEndPoint, prefix, Window, Ct, payloadBytes: 16);

        Assert.NotEqual(PeerEnd.StillOpen, outcome.End);
        Assert.Equal(0, outcome.BytesReceived);
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Length, Ct);
    }

    [Fact]
    public async Task Zero_length_prefix_is_a_legal_empty_frame()
    {
        await using var server = await StartAsync(FramingKind.Length);

        var outcome = await HostileInput.LengthPrefixAsync(server.LocalEndPoint, 0, Window, Ct, halfClose: true);

        Assert.Equal(PeerEnd.Closed, outcome.End);
        Assert.Equal(new byte[4], outcome.Head);
    }

    [Fact]
    public async Task Line_without_end_gets_an_error_line_and_is_closed()
    {
        await using var server = await StartAsync(FramingKind.Line);

        // Exactly the bytes that prove the limit exceeded, so the server has read all of them when it closes (no reset).
        var outcome = await HostileInput.UnterminatedLineAsync(server.LocalEndPoint, ProtocolLimits.DefaultMaxFrame + ProtocolLimits.MaxLineTerminatorSize, Window, Ct);

        Assert.NotEqual(PeerEnd.StillOpen, outcome.End);
        Assert.StartsWith(ErrorLine.Prefix, Encoding.UTF8.GetString(outcome.Head));
        Figure.Report($"closed ({outcome.End}) after {outcome.Elapsed.TotalMilliseconds:F0} ms");
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Line, Ct);
    }

    [Fact]
    public async Task Slowloris_crowd_does_not_starve_a_well_behaved_client()
    {
        await using var server = await StartAsync(FramingKind.Line);

        var inPlace = Enumerable.Range(0, 20).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var crowd = Task.WhenAll(inPlace.Select(started =>
            SlowClients.SlowlorisAsync(server.LocalEndPoint, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(1500), Ct, started: started)));
        await Task.WhenAll(inPlace.Select(s => s.Task)).WaitAsync(Window, Ct);
        for (var i = 0; i < 3; i++)
        {
            await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Line, Ct, payloadBytes: 8 * 1024);
        }

        Assert.False(crowd.IsCompleted, "the slowloris crowd ended before the probes ran alongside it");
        await crowd.WaitAsync(Window, Ct);
    }

    [Fact]
    public async Task Idle_timeout_frees_idle_connectors_and_dribblers()
    {
        var idle = TimeSpan.FromMilliseconds(300);
        await using var server = await StartAsync(FramingKind.Line, idle);

        var idlers = SlowClients.IdleConnectorsAsync(server.LocalEndPoint, 20, Window, Ct);

        // One byte, then nothing for longer than the idle timeout.
        var dribbler = SlowClients.SlowlorisAsync(server.LocalEndPoint, TimeSpan.FromSeconds(4), Window, Ct);
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Line, Ct);

        var crowd = await idlers;
        Assert.Equal(20, crowd.Opened);
        Assert.Equal(20, crowd.ClosedByServer);
        var freed = await dribbler;
        Assert.NotEqual(PeerEnd.StillOpen, freed.End);
        Assert.Equal(1, freed.BytesSent);
        Figure.Report($"last idler freed after {crowd.LastClosedAfter.TotalMilliseconds:F0} ms (idle timeout {idle.TotalMilliseconds:F0} ms)");
    }

    [Fact]
    public async Task Slow_reader_is_held_by_backpressure_while_others_are_served()
    {
        await using var server = await StartAsync(FramingKind.Raw);
        var pattern = RandomNumberGenerator.GetBytes(64 * 1024);
        const long cap = 256L * 1024 * 1024;

        var outcome = await SlowClients.SlowReaderAsync(server.LocalEndPoint, pattern, TimeSpan.FromMilliseconds(300), cap, Ct,
            whileStalled: ct => EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Raw, ct)).WaitAsync(EchoProbe.Timeout, Ct);

        Assert.True(outcome.Stalled, $"never stalled: {outcome.BytesAccepted} bytes taken, closed by server: {outcome.ClosedByServer}");

        // Stated bound: socket buffers on both sides plus the server's own, far below the cap (loopback autotuning
        // lets each kernel buffer grow to a few MiB). An unbounded server would take the whole cap.
        Assert.True(outcome.BytesAccepted < 64L * 1024 * 1024, $"{outcome.BytesAccepted} bytes taken before the send stalled");
        Figure.Report($"{outcome.BytesAccepted / 1024} KiB taken before stall (client buffers {outcome.ClientBuffers / 1024} KiB)");
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Frames_fragmented_to_single_bytes_echo_exactly(FramingKind framing)
    {
        await using var server = await StartAsync(framing);
        await using var proxy = FaultProxy.Start(server.LocalEndPoint);
        proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Upstream, AverageSize = 1 });

        await EchoProbe.AssertEchoesAsync(proxy.EndPoint, framing, Ct, payloadBytes: 8 * 1024);
    }

    [Theory]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Resets_mid_stream_from_the_network_leave_the_server_serving(FramingKind framing)
    {
        await using var server = await StartAsync(framing);
        await using var proxy = FaultProxy.Start(server.LocalEndPoint);
        proxy.AddToxic(new ResetPeerToxic { Stream = ToxicDirection.Upstream, AfterBytes = 5000 });

        var broken = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => EchoProbe.ExchangeAsync(proxy.EndPoint, EchoProbe.RandomWire(framing, 32 * 1024), Ct)));

        Assert.All(broken, r => Assert.NotNull(r.Error));
        Figure.Report($"{broken.Length} connections reset mid-stream");
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }
}
