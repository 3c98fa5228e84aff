using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Protocol.Tls;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The client side of the trust decision for one run, made once (the <c>--ca</c> file is read before any connect)
/// and applied to every handshake: the same semantics and the same one-line reasons as <c>echo-client --tls</c>, so a
/// certificate the client refuses is refused here for the same words.
/// </summary>
internal sealed class TlsTrust
{
    private readonly TlsClientOptions _options;
    private readonly X509ChainPolicy? _policy;

    private TlsTrust(TlsClientOptions options, IPEndPoint target, X509ChainPolicy? policy)
    {
        _options = options;
        _policy = policy;
        Target = target;
        TargetHost = options.Sni ?? target.Address.ToString();
    }

    public IPEndPoint Target { get; }

    /// <summary>The name sent as SNI and checked against the certificate.</summary>
    public string TargetHost { get; }

    /// <summary>Reads the <c>--ca</c> file, if any; a file that holds no certificate stops the run before it starts.</summary>
    /// <exception cref="LoadSetupException">The <c>--ca</c> file is missing or is not a certificate.</exception>
    public static TlsTrust Create(TlsClientOptions options, IPEndPoint target)
    {
        if (options.Insecure && options.CaFile is not null)
        {
            throw new LoadSetupException("--insecure and --ca cannot go together: --ca trusts a certificate, --insecure trusts any");
        }

        var policy = options.CaFile is { } path
            ? TrustOnly(path)
            : options.Insecure
                // Nothing is trusted and nothing is looked up: SslStream still builds a chain before asking the
                // callback, and against the system's store that costs more than the handshake's own cryptography.
                ? new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true }
                : null;
        return new TlsTrust(options, target, policy);
    }

    /// <summary>
    /// Options for one handshake. The validation callback keeps why a certificate was refused in
    /// <paramref name="rejection"/>, which the handshake turns into its error line.
    /// </summary>
    public SslClientAuthenticationOptions ForHandshake(StrongBox<string?> rejection) => new()
    {
        TargetHost = TargetHost,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

        // A copy per handshake: a chain build may run on any thread, handshakes run concurrently.
        CertificateChainPolicy = _policy?.Clone(),
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (_options.Insecure || errors == SslPolicyErrors.None)
            {
                return true;
            }

            rejection.Value = Explain(errors, certificate, chain);
            return false;
        },
    };

    /// <summary>The error line of a refused certificate, with what to do about it.</summary>
    public string Untrusted(string detail) =>
        $"TLS: the certificate of {Target} is not trusted: {detail}; "
        + (_options.CaFile is null
            ? "trust it with --ca <file>, or skip the check with --insecure"
            : $"it does not chain to --ca {Path.GetFileName(_options.CaFile)} or does not name {TargetHost} (see --sni)");

    /// <summary>A chain policy that trusts exactly the certificates in <paramref name="path"/>.</summary>
    private static X509ChainPolicy TrustOnly(string path)
    {
        try
        {
            return ServerCertificateTrust.TrustOnly(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new LoadSetupException($"--ca {path}: not a readable PEM or DER certificate ({ex.Message})", ex);
        }
    }

    private string Explain(SslPolicyErrors errors, X509Certificate? certificate, X509Chain? chain) =>
        ServerCertificateTrust.Explain(errors, certificate, chain, TargetHost);
}
