using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EchoServers.Protocol.Tls;

/// <summary>
/// The client side of trusting an echo server's certificate, shared by <c>echo-client --tls</c> and
/// <c>echo-load --tls</c> so both accept the same certificates and explain a rejection in the same one line:
/// <c>--ca FILE</c> trusts exactly the certificates in that file, and a rejection names the
/// <see cref="SslPolicyErrors"/>, the chain status and the presented certificate's subject and SHA-256 fingerprint.
/// </summary>
public static class ServerCertificateTrust
{
    /// <summary>
    /// A chain policy that trusts exactly the certificates in <paramref name="path"/> (PEM, one or more, or a DER
    /// file): no system roots, no revocation check, no downloads. Throws <see cref="CryptographicException"/>,
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the file cannot be read as one.
    /// </summary>
    public static X509ChainPolicy TrustOnly(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        if (roots.Count == 0)
        {
            roots.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(roots);
        return policy;
    }

    /// <summary>Why the certificate of <paramref name="targetHost"/> was rejected, in one line.</summary>
    public static string Explain(SslPolicyErrors errors, X509Certificate? certificate, X509Chain? chain, string targetHost)
    {
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            reasons.Add($"{nameof(SslPolicyErrors.RemoteCertificateNotAvailable)} (the server sent no certificate)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => $"{s.Status}: {s.StatusInformation.Trim()}")
                .Distinct() ?? [];
            reasons.Add($"{nameof(SslPolicyErrors.RemoteCertificateChainErrors)} ({string.Join("; ", status)})");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reasons.Add($"{nameof(SslPolicyErrors.RemoteCertificateNameMismatch)} (asked for {targetHost})");
        }

        if (certificate is not null)
        {
            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            var fingerprint = string.Join(':', presented.GetCertHashString(HashAlgorithmName.SHA256).Chunk(2).Select(pair => new string(pair)));
            reasons.Add($"certificate {presented.Subject}, SHA-256 {fingerprint}");
        }

        return string.Join(", ", reasons);
    }
}
