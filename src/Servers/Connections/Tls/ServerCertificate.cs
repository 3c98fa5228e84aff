using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EchoServers.Servers.Connections.Tls;

/// <summary>
/// The server's certificate: loaded from <c>--cert</c> (PEM or PKCS#12) and <c>--key</c>, or, without them, a
/// self-signed ECDSA P-256 certificate for the bound host made at start-up. Either way re-imported from a PKCS#12
/// export, so its private key is a persisted, exportable one, which SslStream on Linux needs for a server.
/// </summary>
internal static class ServerCertificate
{
    /// <summary>How long a generated certificate is valid: long enough for any run, short enough not to be kept.</summary>
    public static readonly TimeSpan SelfSignedValidity = TimeSpan.FromDays(30);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>The certificate <paramref name="options"/> ask for (loaded, given, or generated for <paramref name="host"/>).</summary>
    /// <exception cref="TlsSetupException">A file is missing or unreadable, or holds no private key.</exception>
    public static X509Certificate2 Resolve(TlsOptions options, IPAddress host) =>
        options.Certificate ?? (options.CertificatePath is { } path ? Load(path, options.KeyPath) : CreateSelfSigned(host));

    /// <summary>Loads <paramref name="certificatePath"/> (PEM, or PKCS#12 without a password) with its key.</summary>
    public static X509Certificate2 Load(string certificatePath, string? keyPath)
    {
        // Before any open: opening a FIFO waits for a writer, and a device may never end.
        RequireRegularFile(certificatePath, "--cert");
        if (keyPath is not null)
        {
            RequireRegularFile(keyPath, "--key");
        }

        try
        {
            if (IsPem(certificatePath))
            {
                if (keyPath is null && !File.ReadAllText(certificatePath).Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    throw new TlsSetupException($"{certificatePath} holds no private key: give it with --key");
                }

                // Without --key the key is looked for in the certificate's own file.
                using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
                return Exportable(pem);
            }

            if (keyPath is not null)
            {
                throw new TlsSetupException($"--key applies to a PEM certificate; {certificatePath} is PKCS#12, which holds its own key");
            }

            using var pfx = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password: null);
            if (!pfx.HasPrivateKey)
            {
                throw new TlsSetupException($"{certificatePath} holds no private key");
            }

            return Exportable(pfx);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var what = keyPath is null ? certificatePath : $"{certificatePath} with key {keyPath}";
            throw new TlsSetupException($"cannot load the certificate {what}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A warning when the file holding the private key (<c>--key</c>, or <c>--cert</c> itself without it) can be read
    /// by the file's group or by others, as ssh does for its keys; null when only its owner can read it (or on Windows).
    /// </summary>
    public static string? KeyPermissionWarning(TlsOptions options)
    {
        if (options.Certificate is not null || (options.KeyPath ?? options.CertificatePath) is not { } path || OperatingSystem.IsWindows())
        {
            return null;
        }

        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        const UnixFileMode othersMayRead = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if ((mode & othersMayRead) == 0)
        {
            return null;
        }

        var who = (mode & othersMayRead) == othersMayRead ? "its group and others" : (mode & UnixFileMode.GroupRead) != 0 ? "its group" : "others";
        return $"the private key in {path} can be read by {who} (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): chmod 600 {path}";
    }

    /// <summary>
    /// A self-signed server certificate for <paramref name="host"/>: CN the address (localhost for a wildcard), SANs
    /// the address (127.0.0.1 and ::1 for a wildcard) and DNS localhost, server authentication only.
    /// </summary>
    public static X509Certificate2 CreateSelfSigned(IPAddress host, TimeSpan? validity = null)
    {
        var wildcard = host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var address in wildcard ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : new[] { host })
        {
            names.AddIpAddress(address);
        }

        names.AddDnsName("localhost");
        if (wildcard)
        {
            names.AddDnsName(Dns.GetHostName());
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={(wildcard ? "localhost" : host.ToString())}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        // A little in the past: a client whose clock is slightly behind must not see "not yet valid".
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + (validity ?? SelfSignedValidity));
        return Exportable(certificate);
    }

    /// <summary>SHA-256 of the DER certificate as colon-separated hex pairs, as browsers and <c>openssl x509 -fingerprint -sha256</c> show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHashString(HashAlgorithmName.SHA256).Chunk(2).Select(pair => new string(pair)));

    /// <summary>The subject alternative names, e.g. <c>IP 127.0.0.1, DNS localhost</c> (empty when there are none).</summary>
    public static string AlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateIPAddresses().Select(a => $"IP {a}"));
            names.AddRange(extension.EnumerateDnsNames().Select(n => $"DNS {n}"));
        }

        return string.Join(", ", names);
    }

    private static void RequireRegularFile(string path, string option)
    {
        if (!Linux.FileKind.MayBeRegular(path, out var kind))
        {
            throw new TlsSetupException($"cannot load {option} {path}: it is a {kind}, not a regular file");
        }
    }

    private static bool IsPem(string path)
    {
        // PEM is text starting (after any blank or comment lines) with "-----BEGIN"; PKCS#12 is DER, binary.
        using var file = File.OpenRead(path);
        var head = new byte[Math.Min(4096, (int)Math.Min(file.Length, int.MaxValue))];
        file.ReadExactly(head);
        return head.AsSpan().IndexOf("-----BEGIN"u8) >= 0;
    }

    private static X509Certificate2 Exportable(X509Certificate2 certificate)
    {
        if (!certificate.HasPrivateKey)
        {
            throw new TlsSetupException($"the certificate {certificate.Subject} has no private key (give it with --key)");
        }

        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}
