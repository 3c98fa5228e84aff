using EchoServers.Load.Measurement;
using EchoServers.Load.Reports;
using HdrHistogram;

namespace EchoServers.Load.Distributed;

/// <summary>
/// The <c>tls</c> figures of several shares of one run as one: counts and rates added, the handshake times from the
/// shares' handshake histograms added (exact percentiles), the CPU per handshake weighted by each share's handshakes.
/// </summary>
internal static class TlsMerger
{
    public static TlsSummary? Merge(IReadOnlyList<LoadResult> results, HistogramBase? handshakes)
    {
        var shares = results.Where(r => r.Tls is not null).Select(r => r.Tls!).ToList();
        if (shares.Count == 0)
        {
            return null;
        }

        var first = shares[0];
        var weighed = shares.Where(s => s.GeneratorCpuUsPerHandshake is not null).ToList();
        var weight = weighed.Sum(s => s.MeasuredHandshakes > 0 ? s.MeasuredHandshakes : s.Handshakes);
        double? cpuPerHandshake = weighed.Count == 0 || weight == 0
            ? null
            : Math.Round(weighed.Sum(s => s.GeneratorCpuUsPerHandshake!.Value * (s.MeasuredHandshakes > 0 ? s.MeasuredHandshakes : s.Handshakes)) / weight, 1);
        return first with
        {
            Negotiated = string.Join(" + ", shares.Select(s => s.Negotiated).Distinct()),
            Handshakes = shares.Sum(s => s.Handshakes),
            MeasuredHandshakes = shares.Sum(s => s.MeasuredHandshakes),

            // The shares' measured windows overlap, so their rates add (as messages per second do).
            HandshakesPerSecond = Math.Round(shares.Sum(s => s.HandshakesPerSecond), 1),
            HandshakeFailures = shares.Sum(s => s.HandshakeFailures),
            HandshakeUs = handshakes is null ? first.HandshakeUs : LatencySummary.Of(handshakes),
            GeneratorCpuUsPerHandshake = cpuPerHandshake,
            GeneratorCpuBasis = string.Join(" + ", shares.Select(s => s.GeneratorCpuBasis).Distinct()),
        };
    }
}
