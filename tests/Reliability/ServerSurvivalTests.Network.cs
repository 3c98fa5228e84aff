using System.Net.Sockets;
using EchoServers.Protocol.Framing;
using EchoServers.Tests.Reliability.HostileClients;
using EchoServers.Tests.Reliability.Toxics;

namespace EchoServers.Tests.Reliability;

/// <summary>Network faults through the proxy against every model, and hostile input that must close only its own connection.</summary>
public abstract partial class ServerSurvivalTests
{
    [Theory]
    [Trait("Category", "Reliability")]
    [InlineData("latency")]
    [InlineData("slicer")]
    [InlineData("bandwidth")]
    [InlineData("timeout")]
    [InlineData("reset_peer")]
    [InlineData("limit_data")]
    [InlineData("half_close")]
    public async Task Network_toxics_keep_the_echo_byte_exact_or_report_the_failure(string toxic)
    {
        await using var server = await StartAsync(FramingKind.Length);
        await using var proxy = FaultProxy.Start(server.LocalEndPoint);
        const int limit = 10_000;
        switch (toxic)
        {
            case "latency":
                proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Upstream, Latency = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(5) });
                proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Downstream, Latency = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(5) });
                break;
            case "slicer":
                proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Downstream, AverageSize = 1 });
                proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Upstream, AverageSize = 7, SizeVariation = 6 });
                break;
            case "bandwidth":
                proxy.AddToxic(new BandwidthToxic { Stream = ToxicDirection.Downstream, RateKBps = 200 });
                break;
            case "timeout":
                proxy.AddToxic(new StallToxic { Stream = ToxicDirection.Upstream, Duration = TimeSpan.FromMilliseconds(300) });
                break;
            case "reset_peer":
                proxy.AddToxic(new ResetPeerToxic { Stream = ToxicDirection.Downstream, AfterBytes = limit });
                break;
            case "limit_data":
                proxy.AddToxic(new LimitDataToxic { Stream = ToxicDirection.Downstream, Bytes = limit });
                break;
            case "half_close":
                // The server sees the client's FIN after `limit` bytes, mid-frame: it echoes the whole frames before it, then closes.
                proxy.AddToxic(new LimitDataToxic { Stream = ToxicDirection.Upstream, Bytes = limit });
                break;
        }

        var wire = EchoProbe.RandomWire(FramingKind.Length, 12 * 1024, maxFrame: 1024);
        var result = await EchoProbe.ExchangeAsync(proxy.EndPoint, wire, Ct);

        // Whatever came back is an exact prefix of what was sent: never silent corruption.
        Assert.True(wire.AsSpan().StartsWith(result.Received), $"{toxic}: {result.Received.Length} bytes back are not a prefix of the {wire.Length} sent");
        switch (toxic)
        {
            case "reset_peer":
                Assert.NotNull(result.Error);
                Assert.True(result.Received.Length <= limit);
                break;
            case "limit_data":
                Assert.Equal(limit, result.Received.Length);
                break;
            case "half_close":
                Assert.True(result.Received.Length <= limit && result.Received.Length > limit - 1100, $"{result.Received.Length} bytes echoed of {limit} let through");
                break;
            default:
                Assert.Null(result.Error);
                Assert.Equal(wire.Length, result.Received.Length);
                break;
        }

        Figure.Report($"{toxic}: {result.Received.Length} of {wire.Length} bytes back exact{(result.Error is { } e ? $", then {e}" : ", then FIN")} in {result.Elapsed.TotalMilliseconds:F0} ms");
        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Length, Ct);
    }

    [Theory]
    [Trait("Category", "Reliability")]
    [InlineData(FramingKind.Line)]
    [InlineData(FramingKind.Length)]
    public async Task Hostile_input_closes_only_its_own_connection(FramingKind framing)
    {
        await using var server = await StartAsync(framing);
        using var held = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await held.ConnectAsync(server.LocalEndPoint, Ct).AsTask().WaitAsync(Window, Ct);
        await AssertRoundTripAsync(held, EchoProbe.RandomWire(framing, 2048));

        // Every kind of garbage for this framing, from several connections at once, while `held` stays open.
        var hostile = framing == FramingKind.Line
            ? [HostileInput.UnterminatedLineAsync(server.LocalEndPoint, 70 * 1024, Window, Ct), HostileInput.RandomBytesAsync(server.LocalEndPoint, 16 * 1024, Window, Ct, halfClose: true)]
            : HostileInput.NastyPrefixes.Select(p => HostileInput.LengthPrefixAsync(server.LocalEndPoint, p, Window, Ct, payloadBytes: 8, halfClose: true))
                .Append(HostileInput.RandomBytesAsync(server.LocalEndPoint, 16 * 1024, Window, Ct)).ToArray();
        var outcomes = await Task.WhenAll(hostile);

        Assert.All(outcomes, o => Assert.NotEqual(PeerEnd.StillOpen, o.End));
        await AssertRoundTripAsync(held, EchoProbe.RandomWire(framing, 2048));
        Figure.Report($"{outcomes.Length} hostile connections closed; the held connection still echoes");
    }

    private static async Task AssertRoundTripAsync(Socket socket, byte[] wire)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Window);
        await socket.SendAsync(wire, SocketFlags.None, timeout.Token);
        var received = new byte[wire.Length];
        var filled = 0;
        while (filled < received.Length)
        {
            var n = await socket.ReceiveAsync(received.AsMemory(filled), SocketFlags.None, timeout.Token);
            Assert.True(n > 0, $"the held connection ended after {filled} of {wire.Length} bytes");
            filled += n;
        }

        Assert.Equal(wire, received);
    }
}
