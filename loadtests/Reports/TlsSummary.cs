using EchoServers.Load.Measurement;

namespace EchoServers.Load.Reports;

/// <summary>
/// <c>run --tls</c>: the handshakes of the run (the <c>tls</c> object of the JSON result; absent without TLS). Each
/// handshake is timed from the TCP connection being up to the handshake done; connects are timed apart, in
/// <see cref="LoadResult.ConnectUs"/>.
/// </summary>
public sealed record TlsSummary
{
    /// <summary>Version and cipher suite of the first handshake, e.g. <c>TLS 1.3, TLS_AES_256_GCM_SHA384</c>.</summary>
    public required string Negotiated { get; init; }

    /// <summary>How the server's certificate was checked (<c>--insecure</c>, <c>--ca</c>, or the system's roots).</summary>
    public required string Trust { get; init; }

    /// <summary>The name sent as SNI and checked against the certificate.</summary>
    public required string ServerName { get; init; }

    /// <summary>Handshakes completed over the whole run (the connect phase's and every churn reconnect's).</summary>
    public long Handshakes { get; init; }

    /// <summary>Handshakes completed inside the measured window.</summary>
    public long MeasuredHandshakes { get; init; }

    public double HandshakesPerSecond { get; init; }

    /// <summary>Handshakes that failed after the TCP connect succeeded (also counted in the connect failures).</summary>
    public long HandshakeFailures { get; init; }

    /// <summary>TCP established → handshake done, every successful handshake of the run.</summary>
    public required LatencySummary HandshakeUs { get; init; }

    /// <summary>
    /// The generator's CPU per handshake, in µs: over the connect phase when there is one of its own (<c>--start
    /// together</c>: connects and handshakes only), else over the measured window (handshakes and messages together,
    /// so meaningful under churn); null when no handshake was measured. See <see cref="GeneratorCpuBasis"/>.
    /// </summary>
    public double? GeneratorCpuUsPerHandshake { get; init; }

    /// <summary>What <see cref="GeneratorCpuUsPerHandshake"/> was measured over.</summary>
    public required string GeneratorCpuBasis { get; init; }
}
