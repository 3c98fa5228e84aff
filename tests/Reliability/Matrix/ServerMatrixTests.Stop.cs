using System.Diagnostics;
using EchoServers.Linux;
using EchoServers.Servers.Hosting;

namespace EchoServers.Tests.Reliability.Matrix;

/// <summary>The cases about time: graceful stop under load, and the soak.</summary>
public abstract partial class ServerMatrixTests
{
    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Graceful_stop_under_load_delivers_every_reply_and_exits_0()
    {
        FullMatrix.Require();
        const int clients = 1000;
        var drain = TimeSpan.FromSeconds(3);
        await using var server = await StartAsync(Server($"--drain-timeout 3s {PoolArgs(clients + 50)}"));
        var crowd = await Crowd.OpenAsync(server.LocalEndPoint, clients, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        try
        {
            Assert.Equal(clients, crowd.Count);
            var served = 0;

            // Each client: one request in flight, until its connection ends; the end is classified.
            var loops = crowd.Select(async c =>
            {
                while (true)
                {
                    var outcome = await c.ExchangeAsync(TimeSpan.FromSeconds(15), Ct);
                    if (outcome != LineOutcome.Served)
                    {
                        return outcome;
                    }

                    Interlocked.Increment(ref served);
                }
            }).ToArray();

            await WaitForAsync(() => Volatile.Read(ref served) >= clients * 5, TimeSpan.FromSeconds(30));
            Assert.True(Volatile.Read(ref served) >= clients * 5, $"only {served} replies before the stop");
            var stopping = Stopwatch.StartNew();
            await server.StopAsync(drain, Ct);
            var stopTime = stopping.Elapsed;
            var ends = await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30), Ct);

            var fin = ends.Count(e => e == LineOutcome.Refused);
            var reset = ends.Count(e => e == LineOutcome.Reset);
            var lost = crowd.Count(c => c.Sent - c.Received > 1);
            var unanswered = crowd.Count(c => c.Sent - c.Received == 1);
            Assert.Equal(0, ends.Count(e => e == LineOutcome.Mismatch));
            Assert.Equal(0, ends.Count(e => e == LineOutcome.TimedOut));
            Assert.Equal(0, lost);
            Assert.Equal(0, server.ExitCode);
            if (Model != ServerModel.Threads)
            {
                // Threads is the documented exception: its blocked receives are ended by closing the socket (RST).
                Assert.Equal(0, reset);
            }

            Assert.True(stopTime < drain + TimeSpan.FromSeconds(5), $"stop took {stopTime.TotalSeconds:F1} s");
            Figure.Report($"{clients} clients, {crowd.Sum(c => c.Received)} replies, 0 mismatched; SIGTERM -> exit 0 in {stopTime.TotalMilliseconds:F0} ms; " +
                $"ends: {fin} FIN, {reset} reset; {unanswered} with the last request unanswered (sent after the server stopped reading)");
        }
        finally
        {
            Crowd.DisposeAll(crowd);
        }
    }

    [Fact]
    [Trait("Category", "ReliabilityFull")]
    public async Task Soak_at_a_fixed_rate_keeps_rss_fds_and_threads_flat()
    {
        FullMatrix.Require();
        const int connections = 50;
        var period = TimeSpan.FromMilliseconds(20);
        var duration = FullMatrix.SoakDuration;
        await using var server = await StartAsync(Server(PoolArgs(64)));
        var crowd = await Crowd.OpenAsync(server.LocalEndPoint, connections, Ct);
        try
        {
            Assert.Equal(connections, crowd.Count);
            var failures = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            stop.CancelAfter(duration);

            // 50 connections x 50 messages/s = 2,500 messages/s, paced by a timer per connection.
            var loops = crowd.Select(async c =>
            {
                using var tick = new PeriodicTimer(period);
                try
                {
                    while (await tick.WaitForNextTickAsync(stop.Token))
                    {
                        if (await c.ExchangeAsync(TimeSpan.FromSeconds(10), Ct) != LineOutcome.Served)
                        {
                            Interlocked.Increment(ref failures);
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !Ct.IsCancellationRequested)
                {
                    // The soak is over.
                }
            }).ToArray();

            var samples = new List<ProcessSample>();
            using (var sampler = new PeriodicTimer(TimeSpan.FromSeconds(2)))
            {
                try
                {
                    while (await sampler.WaitForNextTickAsync(stop.Token))
                    {
                        samples.Add(ProcessSample.Read(server.ProcessId));
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !Ct.IsCancellationRequested)
                {
                }
            }

            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(0, failures);
            Assert.True(samples.Count >= 5, $"{samples.Count} samples");

            // After a warm-up of a quarter of the run: memory may move with the GC but not climb; handles exactly flat-ish.
            var settled = samples.Skip(samples.Count / 4).ToList();
            var first = settled[0];
            var last = settled[^1];
            var growth = (settled.Max(s => s.RssBytes) - first.RssBytes) / MiB;
            Assert.True(growth < 32 + (first.RssBytes / MiB * 0.25), $"RSS grew {growth:F1} MiB from {first.RssBytes / MiB:F0} MiB");
            Assert.True(Math.Abs(last.OpenFds - first.OpenFds) <= 4, $"fds {first.OpenFds} -> {last.OpenFds}");
            Assert.True(Math.Abs(last.Threads - first.Threads) <= 8, $"threads {first.Threads} -> {last.Threads}");
            var messages = crowd.Sum(c => c.Received);
            Figure.Report($"{messages} msgs in {duration.TotalSeconds:F0} s ({messages / duration.TotalSeconds:F0}/s), 0 errors; RSS {first.RssBytes / MiB:F0} -> " +
                $"{last.RssBytes / MiB:F0} MiB (max +{growth:F1}), fds {first.OpenFds} -> {last.OpenFds}, threads {first.Threads} -> {last.Threads}");
        }
        finally
        {
            Crowd.DisposeAll(crowd);
        }
    }
}
