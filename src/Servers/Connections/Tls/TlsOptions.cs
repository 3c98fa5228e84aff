using System.Security.Cryptography.X509Certificates;

namespace EchoServers.Servers.Connections.Tls;

/// <summary><c>--tls</c>: the server's certificate and handshake deadline. Null in <see cref="Hosting.ServerOptions.Tls"/> means plain TCP.</summary>
public sealed record TlsOptions
{
    /// <summary>The handshake deadline when neither <see cref="HandshakeTimeout"/> nor <c>--frame-timeout</c> is set.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary><c>--cert</c>: a PEM (certificate, optionally its key) or PKCS#12 (.pfx, no password) file; null generates a self-signed one.</summary>
    public string? CertificatePath { get; init; }

    /// <summary><c>--key</c>: the PEM private key of a PEM <see cref="CertificatePath"/> that does not hold it.</summary>
    public string? KeyPath { get; init; }

    /// <summary>A certificate with its private key, used as is (the host after loading it, or tests); wins over the paths.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>How long a handshake may take before the connection is closed; null: <c>--frame-timeout</c> if set, else <see cref="DefaultHandshakeTimeout"/>.</summary>
    public TimeSpan? HandshakeTimeout { get; init; }

    /// <summary>The deadline in force for <paramref name="frameTimeout"/> (the protocol's <c>--frame-timeout</c>, zero when off).</summary>
    public TimeSpan EffectiveHandshakeTimeout(TimeSpan frameTimeout) =>
        HandshakeTimeout ?? (frameTimeout > TimeSpan.Zero ? frameTimeout : DefaultHandshakeTimeout);
}
