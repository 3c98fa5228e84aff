using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;
using EchoServers.Servers.Hosting;
using EchoServers.Tests.Infrastructure;
using EchoServers.Tests.Reliability.HostileClients;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>
/// The matrix cases that need the real echo-server in a process of its own (its memory, its fd limit, SIGTERM),
/// run against every variant through one sealed subclass each (<c>&lt;Model&gt;&lt;Transport&gt;MatrixTests</c>). Only
/// <see cref="Scale_1000_connections_all_served"/> is in the CI subset; the rest are "ReliabilityFull" and skip
/// unless ECHO_FULL=1. Clients are bounded in-test crowds of checksummed line exchanges.
/// </summary>
[Collection(nameof(ProcessMatrixCollection))]
public abstract partial class ServerMatrixTests
{
    private const double MiB = 1024 * 1024;

    /// <summary>The classic lesson's pool: 5 workers, a queue of 100; beyond that it refuses.</summary>
    private const int PoolWorkers = 5, PoolQueue = 100;

    /// <summary>The variant under test: the one thing each sealed subclass says.</summary>
    protected abstract ServerVariant Variant { get; }

    private ServerModel Model => Variant.Model;

    private bool IsPool => Model == ServerModel.Pool;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Where a case is about something other than admission control, the pool gets workers for its crowd
    /// (with 5 it starves them by design, which the scale case shows).
    /// </summary>
    private string PoolArgs(int concurrency) => IsPool ? $"--workers {concurrency} --queue 100" : "";

    private ProcessEchoServer Server(string args, int? fdLimit = null) => FullMatrix.Server(Model, $"{Variant.Arguments} {args}", fdLimit);

    private static async Task<ProcessEchoServer> StartAsync(ProcessEchoServer server)
    {
        await server.StartAsync(Ct);
        return server;
    }

    [Fact]
    [Trait("Category", "Reliability")]
    public Task Scale_1000_connections_all_served() => ScaleAsync(1000, TimeSpan.FromSeconds(30));

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public Task Scale_10000_connections_all_served()
    {
        FullMatrix.Require();
        return ScaleAsync(10_000, TimeSpan.FromSeconds(90));
    }

    private async Task ScaleAsync(int count, TimeSpan window)
    {
        var process = Server($"--max-connections {count * 2}");

        // The variant is what its name says: the server logs the transport it runs on, right after it listens.
        var transport = Variant.Transport is { } kind
            ? process.NextOutputLineAsync(line => line.Contains($"transport {kind.ToString().ToLowerInvariant()} ", StringComparison.Ordinal))
            : Task.FromResult("");
        await using var server = await StartAsync(process);
        await transport.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var before = ProcessSample.Read(server.ProcessId);
        var started = Stopwatch.StartNew();
        var crowd = await Crowd.OpenAsync(server.LocalEndPoint, count, Ct).WaitAsync(window, Ct);
        try
        {
            // Every connection is open before the first exchange: they are all held at once.
            var first = await Crowd.ExchangeAllAsync(crowd, IsPool ? TimeSpan.FromSeconds(3) : window, Ct).WaitAsync(window + window, Ct);
            var held = ProcessSample.Read(server.ProcessId);
            Assert.Equal(0, first[LineOutcome.Mismatch]);
            if (IsPool)
            {
                // By design: 5 served, 100 wait in the queue (no reply while the 5 hold on), the rest refused with a reason.
                var refused = first[LineOutcome.Refused] + first[LineOutcome.Reset];
                var reason = crowd.Select(c => c.RefusalReason).FirstOrDefault(r => r is not null);
                Assert.Equal(PoolWorkers, first[LineOutcome.Served]);
                Assert.True(refused >= count - PoolWorkers - PoolQueue - 5, Crowd.Describe(first));
                Assert.NotNull(reason);
                Figure.Report($"{count} tried: {Crowd.Describe(first)} (refused by design: \"{reason}\"); RSS {held.RssBytes / MiB:F0} MiB");
                return;
            }

            Assert.Equal(count, crowd.Count);
            Assert.True(first[LineOutcome.Served] == count, Crowd.Describe(first));
            var second = await Crowd.ExchangeAllAsync(crowd, window, Ct).WaitAsync(window + window, Ct);
            Assert.True(second[LineOutcome.Served] == count, Crowd.Describe(second));
            var perConnection = (held.RssBytes - before.RssBytes) / (double)count / 1024;
            Figure.Report($"{count}/{count} served twice, 0 errors in {started.Elapsed.TotalSeconds:F1} s; server RSS {held.RssBytes / MiB:F0} MiB " +
                $"(+{perConnection:F1} KiB/conn), {held.Threads} threads, {held.OpenFds} fds");
        }
        finally
        {
            Crowd.DisposeAll(crowd);
        }
    }

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Slow_readers_under_load_keep_server_memory_bounded_and_probe_latency()
    {
        FullMatrix.Require();
        const int readers = 20;
        await using var server = await StartAsync(Server(PoolArgs(64)));
        await Crowd.ProbeLatenciesAsync(server.LocalEndPoint, 100, Ct); // warm-up: JIT and connection setup are not latency
        var baseline = await Crowd.ProbeLatenciesAsync(server.LocalEndPoint, 300, Ct);
        var rssBefore = ProcessSample.Read(server.ProcessId).RssBytes;

        // 1 KiB lines, sent and never read: each reader stalls once the server stops taking its bytes.
        var line = Encoding.ASCII.GetBytes(new string('s', 1023) + "\n");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalled = Enumerable.Range(0, readers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var slow = stalled.Select(s => SlowClients.SlowReaderAsync(server.LocalEndPoint, line, TimeSpan.FromMilliseconds(500), 256L * 1024 * 1024, Ct,
            whileStalled: async ct =>
            {
                s.TrySetResult();
                await release.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            })).ToArray();
        try
        {
            await Task.WhenAll(stalled.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var rssStalled = ProcessSample.Read(server.ProcessId).RssBytes;
            var loaded = await Crowd.ProbeLatenciesAsync(server.LocalEndPoint, 300, Ct);
            var p99Before = Crowd.Percentile(baseline, 0.99);
            var p99With = Crowd.Percentile(loaded, 0.99);
            var growth = (rssStalled - rssBefore) / MiB;

            // Stated bound: the server buffers at most about a frame and a pipe's pause threshold per reader
            // (well under 1 MiB each); 64 MiB for 20 leaves room for GC noise. Latency: generous, 10x + 100 ms (a starved probe waits seconds).
            Assert.True(growth < 64, $"server RSS grew {growth:F1} MiB with {readers} stalled readers");
            Assert.True(p99With < (10 * p99Before) + 100_000, $"probe p99 {p99Before:F0} us alone, {p99With:F0} us with {readers} stalled readers");
            release.TrySetResult();
            var outcomes = await Task.WhenAll(slow).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.All(outcomes, o => Assert.True(o.Stalled));
            Figure.Report($"{readers} stalled readers ({outcomes.Average(o => o.BytesAccepted) / MiB:F1} MiB taken each incl. kernel buffers): " +
                $"server RSS +{growth:F1} MiB; probe p99 {p99Before:F0} -> {p99With:F0} us");
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Slowloris_at_scale_is_freed_by_idle_and_frame_timeouts()
    {
        FullMatrix.Require();
        const int idlers = 500, dribblers = 500;
        var idle = TimeSpan.FromSeconds(2);
        var frame = TimeSpan.FromSeconds(3);
        var hold = TimeSpan.FromSeconds(25);
        await using var server = await StartAsync(Server($"--idle-timeout 2s --frame-timeout 3s {PoolArgs(64)}"));

        // Dribblers send a byte every 500 ms: never idle, so only the frame deadline frees them.
        var silent = SlowClients.IdleConnectorsAsync(server.LocalEndPoint, idlers, hold, Ct);
        var inPlace = Enumerable.Range(0, dribblers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var slow = inPlace.Select(s => SlowClients.SlowlorisAsync(server.LocalEndPoint, TimeSpan.FromMilliseconds(500), hold, Ct, started: s)).ToArray();
        await Task.WhenAll(inPlace.Select(s => s.Task)).WaitAsync(hold, Ct);
        if (!IsPool)
        {
            // Meanwhile a well-behaved client is served (the pool's 64 workers are taken by the crowd: it waits, by design).
            var probe = await Crowd.ProbeLatenciesAsync(server.LocalEndPoint, 20, Ct);
            Assert.Equal(20, probe.Length);
        }

        var quiet = await silent.WaitAsync(hold + hold, Ct);
        var dribbled = await Task.WhenAll(slow).WaitAsync(hold + hold, Ct);
        Assert.Equal(idlers, quiet.ClosedByServer);
        Assert.All(dribbled, o => Assert.NotEqual(PeerEnd.StillOpen, o.End));
        var last = dribbled.Max(o => o.Elapsed);
        if (!IsPool)
        {
            Assert.True(last < frame + TimeSpan.FromSeconds(3), $"last dribbler freed after {last.TotalSeconds:F1} s");
        }

        await EchoProbe.AssertEchoesAsync(server.LocalEndPoint, FramingKind.Line, Ct, payloadBytes: 4096);
        Figure.Report($"{idlers} idlers freed (last {quiet.LastClosedAfter.TotalSeconds:F1} s, idle 2s), {dribblers} dribblers freed " +
            $"(last {last.TotalSeconds:F1} s, frame 3s, max {dribbled.Max(o => o.BytesSent)} bytes sent)");
    }

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Floods_log_at_most_one_line_per_cause_per_interval_and_the_server_keeps_serving()
    {
        FullMatrix.Require();
        await using var server = await StartAsync(Server(PoolArgs(64)));
        var ep = server.LocalEndPoint;
        var window = TimeSpan.FromSeconds(10);
        var started = Stopwatch.StartNew();
        var events = 0;
        for (var round = 0; round < 3; round++)
        {
            events += await ConnectionFloods.ConnectResetFloodAsync(ep, 500, Ct, "half a li"u8.ToArray()).WaitAsync(window, Ct);
            var halves = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => ConnectionFloods.HalfCloseAsync(ep, EchoProbe.RandomWire(FramingKind.Line, 2048), window, Ct)));
            var cuts = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => ConnectionFloods.MidFrameDisconnectAsync(ep, FramingKind.Line, reset: i % 2 == 0, window, Ct)));
            var errors = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => HostileInput.UnterminatedLineAsync(ep, 70 * 1024, window, Ct)));
            events += halves.Length + cuts.Length + errors.Length;
            await EchoProbe.AssertEchoesAsync(ep, FramingKind.Line, Ct, payloadBytes: 4096);
        }

        var floodTime = started.Elapsed;

        // The summaries come at the end of each 1 s interval: wait (bounded) for the reset summary to show up.
        await WaitForAsync(() => server.Output.Any(l => l.Contains("reset by peer", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
        var output = server.Output;
        var perCause = output.Select(l => SummaryLine().Match(l)).Where(m => m.Success)
            .GroupBy(m => m.Groups["what"].Value).ToDictionary(g => g.Key, g => g.Count());
        var protocolLines = output.Count(l => l.Contains("protocol error", StringComparison.Ordinal));
        var intervals = (int)Math.Ceiling(started.Elapsed.TotalSeconds) + 1;
        Assert.All(perCause, kv => Assert.True(kv.Value <= intervals, $"{kv.Value} lines for '{kv.Key}' over {intervals} intervals"));
        Assert.True(protocolLines <= 2 * intervals, $"{protocolLines} protocol error lines over {intervals} intervals");
        Figure.Report($"{events} hostile connections in {floodTime.TotalSeconds:F1} s -> {perCause.Values.Sum() + protocolLines} log lines " +
            $"(max {(perCause.Count == 0 ? 0 : perCause.Values.Max())} per cause, {protocolLines} protocol-error lines, {intervals} intervals of 1 s); still serving");
    }

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Fd_exhaustion_serves_what_it_holds_refuses_the_rest_recovers_and_does_not_spin()
    {
        FullMatrix.Require();
        const int limit = 400, tried = 600;
        await using var server = await StartAsync(Server(PoolArgs(300), fdLimit: limit));
        var ep = server.LocalEndPoint;
        using var connectWindow = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        connectWindow.CancelAfter(TimeSpan.FromSeconds(20));
        var crowd = await Crowd.OpenAsync(ep, tried, connectWindow.Token);
        try
        {
            var outcomes = await Crowd.ExchangeAllAsync(crowd, TimeSpan.FromSeconds(4), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(0, outcomes[LineOutcome.Mismatch]);
            Assert.True(outcomes[LineOutcome.Served] >= 50, Crowd.Describe(outcomes));
            Assert.True(outcomes[LineOutcome.Served] < tried, $"all {tried} served under ulimit -n {limit}?");

            // At its limit, with more clients knocking (one new connect every 20 ms for 2 s), the server must idle,
            // not spin: an accept loop retrying EMFILE at once would burn a whole core here.
            var cpuBefore = ProcessSample.Read(server.ProcessId).CpuTime;
            var clock = Stopwatch.StartNew();
            var knocks = 0;
            using (var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20)))
            {
                while (clock.Elapsed < TimeSpan.FromSeconds(2) && await pace.WaitForNextTickAsync(Ct))
                {
                    using var knock = await LineConnection.ConnectAsync(ep, -2, Ct);
                    if (knock is not null && await knock.ExchangeAsync(TimeSpan.FromMilliseconds(100), Ct) != LineOutcome.Served)
                    {
                        knocks++;
                    }
                }
            }

            var cpuShare = (ProcessSample.Read(server.ProcessId).CpuTime - cpuBefore) / clock.Elapsed;
            Assert.True(cpuShare < 0.5, $"server used {cpuShare:P0} of a core at its descriptor limit");

            // The served ones keep being served while the rest wait or are refused.
            var servedOnes = crowd.Where(c => c.Received == 1).ToList();
            var again = await Crowd.ExchangeAllAsync(servedOnes, TimeSpan.FromSeconds(10), Ct);
            Assert.Equal(servedOnes.Count, again[LineOutcome.Served]);
            var left = server.NextOutputLineAsync(line => line.Contains("stats: active 0,", StringComparison.Ordinal));
            Crowd.DisposeAll(crowd);

            // Until the server has seen them go it is still full, and a client arriving then is refused by design.
            await left.WaitAsync(TimeSpan.FromSeconds(10), Ct);

            // Recovery: once they leave, fresh clients are served.
            var fresh = await Crowd.OpenAsync(ep, 20, Ct);
            try
            {
                var recovered = await Crowd.ExchangeAllAsync(fresh, TimeSpan.FromSeconds(15), Ct);
                Assert.True(recovered[LineOutcome.Served] == 20, $"{Crowd.Describe(recovered)}; server log:{Environment.NewLine}{string.Join(Environment.NewLine, server.Output.TakeLast(12))}");
            }
            finally
            {
                Crowd.DisposeAll(fresh);
            }

            Figure.Report($"ulimit -n {limit}, {crowd.Count}/{tried} connected: {Crowd.Describe(outcomes)}; at the limit CPU {cpuShare:P0} of a core " +
                $"over {clock.Elapsed.TotalSeconds:F1} s ({knocks} more turned away); recovered 20/20");
        }
        finally
        {
            Crowd.DisposeAll(crowd);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!condition() && clock.Elapsed < timeout && await tick.WaitForNextTickAsync(Ct))
        {
        }
    }

    [GeneratedRegex(@"\d+ connections (?<what>.+?) in the last")]
    private static partial Regex SummaryLine();
}
