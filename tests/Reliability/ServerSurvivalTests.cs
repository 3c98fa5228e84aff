using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Tests.Reliability.HostileClients;
using EchoServers.Tests.Reliability.Toxics;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// "The server survives": after each hostile action (or during it), a fresh well-behaved client still gets a
/// byte-exact echo. The conformance suite derives from it, so every variant of every model runs these cases with
/// the rest of its conformance; <see cref="TinyEchoServerSurvivalTests"/> runs them against the tests' own tiny
/// server. Each case is in the "Reliability" category (scripts/faults.sh) and bounded (well under 3 s on a quiet
/// machine, 10 s hard timeouts).
/// </summary>
public abstract partial class ServerSurvivalTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the server under test on 127.0.0.1:0 with its protocol options changed by <paramref name="protocol"/>.</summary>
    protected abstract Task<SurvivingServer> StartSurvivorAsync(Func<ProtocolOptions, ProtocolOptions> protocol);

    /// <summary>Starts the server under test with <paramref name="framing"/>; dispose it to stop it.</summary>
    private Task<SurvivingServer> StartAsync(FramingKind framing) => StartSurvivorAsync(p => p with { Framing = framing });

    [Theory]
    [Trait("Category", "Reliability")]
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
    [Trait("Category", "Reliability")]
    [InlineData(FramingKind.Line, false)]
    [InlineData(FramingKind.Length, false)]
    [InlineData(FramingKind.Length, true)]
    public async Task Mid_frame_disconnects_leave_the_server_serving(FramingKind framing, bool reset)
    {
        // A reset in the middle of a line is the conformance case Client_reset_mid_stream_does_not_hurt_other_clients.
        await using var server = await StartAsync(framing);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ConnectionFloods.MidFrameDisconnectAsync(server.LocalEndPoint, framing, reset, Window, Ct)));

        // After a FIN the server owes nothing for the cut frame but its own close.
        Assert.All(outcomes, o => Assert.Equal(reset ? PeerEnd.StillOpen : PeerEnd.Closed, o.End));

        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, framing, Ct);
    }

    [Theory]
    [Trait("Category", "Reliability")]
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

    [Fact]
    [Trait("Category", "Reliability")]
    public async Task Zero_length_prefix_is_a_legal_empty_frame()
    {
        await using var server = await StartAsync(FramingKind.Length);

        var outcome = await HostileInput.LengthPrefixAsync(server.LocalEndPoint, 0, Window, Ct, halfClose: true);

        Assert.Equal(PeerEnd.Closed, outcome.End);
        Assert.Equal(new byte[4], outcome.Head);
    }

    [Fact]
    [Trait("Category", "Reliability")]
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

    [Theory]
    [Trait("Category", "Reliability")]
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
    [Trait("Category", "Reliability")]
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
