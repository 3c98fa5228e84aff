using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The result of a TLS run: the run core's <see cref="RunResult"/> from the shards' counters and histograms, plus
/// what the handshakes add (<see cref="TlsSummary"/>): counts, rates, the handshake histogram and the generator's CPU
/// per handshake, with what it was measured over.
/// </summary>
internal static class TlsResult
{
    public static LoadResult Build(
        LoadOptions options, RunContext run, TlsRun owner, ConnectPhase connects, TlsSlot[] slots, TlsShard[] shards, RunSampler sampler,
        List<string> warnings, (TimeSpan Cpu, int Handshakes, bool FirstIncluded)? phase, bool cancelled)
    {
        var opened = slots.Where(s => s.Opened).Select(s => s.Book).ToArray();
        var result = RunResult.Build(options, run, connects, opened, shards, ThreadPool.ThreadCount, sampler, warnings, cancelled);
        var handshakes = Histograms.Merge(shards.Select(s => (HistogramBase)s.Handshake));
        var measured = shards.Sum(s => s.MeasuredHandshakes);
        var seconds = Math.Max(run.MeasuredSeconds, 1e-9);
        double? cpuPerHandshake = null;
        var basis = "none measured";
        if (run.Churn && measured > 0)
        {
            // Churn: many warm handshakes, each with its share of messages; the per-message cost is beside it.
            cpuPerHandshake = Math.Round(result.Generator.CpuMs * 1000 / measured, 1);
            basis = "measured window: each handshake with its connection's messages";
        }
        else if (phase is { } connectPhase)
        {
            cpuPerHandshake = Math.Round(connectPhase.Cpu.TotalMicroseconds / connectPhase.Handshakes, 1);
            basis = connectPhase.FirstIncluded
                ? "connect phase: TCP connect and handshake only, every connection (all opened before the first was seen)"
                : "connect phase: TCP connect and handshake only, the first connection left out";
        }
        else if (measured > 0)
        {
            cpuPerHandshake = Math.Round(result.Generator.CpuMs * 1000 / measured, 1);
            basis = "measured window: handshakes and messages together";
        }

        return result with
        {
            Engine = TlsRunner.EngineName,
            Tls = new TlsSummary
            {
                Negotiated = owner.Negotiated ?? "none",
                Trust = options.Tls!.TrustText,
                ServerName = owner.Trust.TargetHost,
                Handshakes = shards.Sum(s => s.Handshakes),
                MeasuredHandshakes = measured,
                HandshakesPerSecond = Math.Round(measured / seconds, 1),
                HandshakeFailures = shards.Sum(s => s.HandshakeFailures),
                HandshakeUs = LatencySummary.Of(handshakes),
                GeneratorCpuUsPerHandshake = cpuPerHandshake,
                GeneratorCpuBasis = basis,
            },
            HandshakeHistogram = handshakes,
        };
    }
}
