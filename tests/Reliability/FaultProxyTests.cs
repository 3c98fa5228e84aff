using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Reliability.Toxics;

namespace EchoServers.Tests.Reliability;

/// <summary>
/// The proxy itself, through the tiny echo server: byte-exact through every toxic that delays or cuts, and a
/// reported failure (never a silently short or altered echo) through those that break the connection.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class FaultProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TinyEchoServer _server = new(new ServerOptions { Port = 0, Protocol = new ProtocolOptions { Framing = FramingKind.Raw } });
    private FaultProxy? _proxy;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FaultProxy Proxy => _proxy ?? throw new InvalidOperationException("not initialised");

    public async ValueTask InitializeAsync()
    {
        await _server.StartAsync(Ct);
        _proxy = FaultProxy.Start(_server.LocalEndPoint);
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    private async Task AssertByteExactAsync(byte[] payload, int sendChunk = 64 * 1024)
    {
        var result = await EchoProbe.ExchangeAsync(Proxy.EndPoint, payload, Ct, sendChunk);
        Assert.Null(result.Error);
        Assert.Equal(payload.Length, result.Received.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(result.Received));
    }

    [Fact]
    public async Task Without_toxics_the_echo_is_byte_exact_and_counted_both_ways()
    {
        var payload = RandomNumberGenerator.GetBytes(512 * 1024);
        await AssertByteExactAsync(payload);
        Assert.Equal(payload.Length, Proxy.Stats.BytesWritten(ToxicDirection.Upstream));
        Assert.Equal(payload.Length, Proxy.Stats.BytesWritten(ToxicDirection.Downstream));
        Assert.Equal(0, Proxy.Stats.Resets);
    }

    [Fact]
    public async Task Latency_with_jitter_delays_but_keeps_every_byte_in_order()
    {
        Proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Upstream, Latency = TimeSpan.FromMilliseconds(30), Jitter = TimeSpan.FromMilliseconds(20) });
        Proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Downstream, Latency = TimeSpan.FromMilliseconds(30), Jitter = TimeSpan.FromMilliseconds(20) });
        var payload = RandomNumberGenerator.GetBytes(64 * 1024);

        var started = Stopwatch.GetTimestamp();
        await AssertByteExactAsync(payload, sendChunk: 1000);

        // A lower bound only (one chunk each way is at least 10 ms late): timings on this shared machine prove nothing more.
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task Slicer_to_single_bytes_delivers_every_byte_separately_and_exactly()
    {
        var up = Proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Upstream, AverageSize = 1 });
        var down = Proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Downstream, AverageSize = 1 });
        var payload = RandomNumberGenerator.GetBytes(16 * 1024);

        await AssertByteExactAsync(payload);
        Assert.Equal(payload.Length, up.Slices);
        Assert.Equal(payload.Length, down.Slices);
    }

    [Fact]
    public async Task Slicer_with_variation_serves_concurrent_connections_exactly()
    {
        var slicer = Proxy.AddToxic(new SlicerToxic { Stream = ToxicDirection.Downstream, AverageSize = 7, SizeVariation = 6 });
        var payloads = Enumerable.Range(0, 16).Select(_ => RandomNumberGenerator.GetBytes(16 * 1024)).ToArray();

        await Task.WhenAll(payloads.Select(p => AssertByteExactAsync(p, sendChunk: 3000)));
        Assert.True(slicer.Slices >= payloads.Sum(p => p.Length) / 13, $"only {slicer.Slices} slices");
    }

    [Fact]
    public async Task Bandwidth_cap_slows_the_stream_and_keeps_it_exact()
    {
        Proxy.AddToxic(new BandwidthToxic { Stream = ToxicDirection.Downstream, RateKBps = 400 });
        var payload = RandomNumberGenerator.GetBytes(200 * 1000);

        var started = Stopwatch.GetTimestamp();
        await AssertByteExactAsync(payload);

        // 200 KB at 400 KB/s takes 500 ms at least; the cap can only make it slower, never faster.
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(450), $"200 KB at 400 KB/s took only {elapsed.TotalMilliseconds:F0} ms");
        Figure.Report($"{payload.Length / elapsed.TotalSeconds / 1000:F0} KB/s under a 400 KB/s cap");
    }

    [Fact]
    public async Task Stall_holds_the_data_until_released_then_delivers_it_exactly()
    {
        var stall = Proxy.AddToxic(new StallToxic { Stream = ToxicDirection.Upstream });
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);

        var exchange = EchoProbe.ExchangeAsync(Proxy.EndPoint, payload, Ct);
        await stall.Holding.WaitAsync(Timeout, Ct);

        // Held: nothing has reached the server, so nothing can have come back.
        Assert.Equal(0, Proxy.Stats.BytesWritten(ToxicDirection.Upstream));
        Assert.Equal(0, Proxy.Stats.BytesWritten(ToxicDirection.Downstream));
        Assert.False(exchange.IsCompleted);

        stall.Release();
        var result = await exchange.WaitAsync(Timeout, Ct);
        Assert.Null(result.Error);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(result.Received));
    }

    [Fact]
    public async Task Removing_a_stall_releases_it()
    {
        var stall = Proxy.AddToxic(new StallToxic { Stream = ToxicDirection.Downstream });
        var payload = RandomNumberGenerator.GetBytes(32 * 1024);

        var exchange = EchoProbe.ExchangeAsync(Proxy.EndPoint, payload, Ct);
        await stall.Holding.WaitAsync(Timeout, Ct);
        Assert.Equal(0, Proxy.Stats.BytesWritten(ToxicDirection.Downstream));
        Assert.True(Proxy.RemoveToxic(stall.Name));

        var result = await exchange.WaitAsync(Timeout, Ct);
        Assert.Null(result.Error);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(result.Received));
    }

    [Fact]
    public async Task Reset_peer_mid_stream_is_reported_as_a_reset_with_an_exact_prefix()
    {
        const int after = 10_000;
        Proxy.AddToxic(new ResetPeerToxic { Stream = ToxicDirection.Downstream, AfterBytes = after });
        var payload = RandomNumberGenerator.GetBytes(256 * 1024);

        var result = await EchoProbe.ExchangeAsync(Proxy.EndPoint, payload, Ct);

        Assert.NotNull(result.Error);
        Assert.True(result.Received.Length <= after, $"{result.Received.Length} bytes arrived, more than the {after} allowed");
        Assert.Equal(payload.AsSpan(0, result.Received.Length), result.Received.AsSpan());
        Assert.Equal(1, Proxy.Stats.Resets);
        Figure.Report($"{result.Error} after {result.Received.Length} of {after} bytes");
    }

    [Fact]
    public async Task Limit_data_upstream_half_closes_so_the_echo_is_an_exact_prefix_then_end_of_stream()
    {
        const int limit = 12_345;
        Proxy.AddToxic(new LimitDataToxic { Stream = ToxicDirection.Upstream, Bytes = limit });
        var payload = RandomNumberGenerator.GetBytes(100_000);

        var result = await EchoProbe.ExchangeAsync(Proxy.EndPoint, payload, Ct);

        // The server saw end of stream after the limit, echoed what it had and closed: short, but never altered.
        Assert.Null(result.Error);
        Assert.Equal(payload.AsSpan(0, limit), result.Received.AsSpan());

        // The echo can be complete before the proxy has read (and dropped) the rest; its connection ending says it has.
        await Proxy.WhenConnectionsClosed().WaitAsync(Timeout, Ct);
        Assert.Equal(payload.Length - limit, Proxy.Stats.BytesDropped(ToxicDirection.Upstream));
    }

    [Fact]
    public async Task Toxicity_zero_spares_every_connection()
    {
        Proxy.AddToxic(new ResetPeerToxic { Stream = ToxicDirection.Upstream, AfterBytes = 0, Toxicity = 0 });
        await AssertByteExactAsync(RandomNumberGenerator.GetBytes(8 * 1024));
        Assert.Equal(0, Proxy.Stats.Resets);
    }

    [Fact]
    public async Task A_dead_upstream_resets_the_client()
    {
        await _server.StopAsync(TimeSpan.Zero, Ct);
        var result = await EchoProbe.ExchangeAsync(Proxy.EndPoint, [1, 2, 3], Ct);
        Assert.NotNull(result.Error);
        Assert.Empty(result.Received);
        Assert.Equal(1, Proxy.Stats.UpstreamFailures);
    }

    [Fact]
    public void Toxic_names_default_to_type_and_stream_and_must_be_unique()
    {
        var toxic = Proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Upstream });
        Assert.Equal("latency_upstream", toxic.Name);
        Assert.Throws<InvalidOperationException>(() => Proxy.AddToxic(new LatencyToxic { Stream = ToxicDirection.Upstream }));
        Assert.Single(Proxy.Toxics);
        Assert.True(Proxy.RemoveToxic("latency_upstream"));
        Assert.False(Proxy.RemoveToxic("latency_upstream"));
    }

    [Fact]
    public async Task Socket_error_is_a_reset_when_the_proxy_resets_all()
    {
        var stall = Proxy.AddToxic(new StallToxic { Stream = ToxicDirection.Upstream });
        var exchange = EchoProbe.ExchangeAsync(Proxy.EndPoint, RandomNumberGenerator.GetBytes(1024), Ct);
        await stall.Holding.WaitAsync(Timeout, Ct);

        Proxy.ResetAll();
        var result = await exchange.WaitAsync(Timeout, Ct);
        Assert.Equal(SocketError.ConnectionReset, result.Error);
    }
}
