using System.Net;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Servers.Connections.Tls;
using EchoServers.Tests.Infrastructure;

namespace EchoServers.Tests.Servers.Tls;

/// <summary>The server certificate: generated for the bound host, or loaded from PEM or PKCS#12 with a usable key.</summary>
public sealed class ServerCertificateTests
{
    [Fact]
    public void Self_signed_certificate_names_the_loopback_address_and_localhost()
    {
        using var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);
        Assert.Equal("CN=127.0.0.1", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("IP 127.0.0.1, DNS localhost", ServerCertificate.AlternativeNames(certificate));
        Assert.Equal("1.2.840.10045.2.1", certificate.PublicKey.Oid.Value); // id-ecPublicKey
        var usage = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
        Assert.InRange(certificate.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(29), DateTime.UtcNow.AddDays(31));
        Assert.True(certificate.NotBefore.ToUniversalTime() < DateTime.UtcNow);
    }

    [Fact]
    public void Wildcard_host_gets_both_loopbacks_and_localhost()
    {
        using var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Any);
        Assert.Equal("CN=localhost", certificate.Subject);
        Assert.StartsWith("IP 127.0.0.1, IP ::1, DNS localhost, DNS ", ServerCertificate.AlternativeNames(certificate), StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_is_sha256_as_colon_separated_hex_pairs()
    {
        using var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback);
        var fingerprint = ServerCertificate.Fingerprint(certificate);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fingerprint);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData)), fingerprint.Replace(":", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Loads_pem_with_separate_key_combined_pem_and_pfx_to_the_same_certificate()
    {
        using var files = TestCertificates.Create();
        using var separate = ServerCertificate.Load(files.CertificatePem, files.KeyPem);
        using var combined = ServerCertificate.Load(files.CombinedPem, keyPath: null);
        using var pfx = ServerCertificate.Load(files.Pfx, keyPath: null);
        Assert.All([separate, combined, pfx], c =>
        {
            Assert.Equal(files.Fingerprint, ServerCertificate.Fingerprint(c));
            Assert.True(c.HasPrivateKey);
        });
    }

    [Fact]
    public void A_pem_certificate_without_its_key_is_a_one_line_setup_error()
    {
        using var files = TestCertificates.Create();
        var error = Assert.Throws<TlsSetupException>(() => ServerCertificate.Load(files.CertificatePem, keyPath: null));
        Assert.Equal($"{files.CertificatePem} holds no private key: give it with --key", error.Message);
    }

    [Fact]
    public void A_key_with_a_pfx_is_refused()
    {
        using var files = TestCertificates.Create();
        var error = Assert.Throws<TlsSetupException>(() => ServerCertificate.Load(files.Pfx, files.KeyPem));
        Assert.Contains("--key applies to a PEM certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_of_another_certificate_is_refused()
    {
        using var files = TestCertificates.Create();
        using var other = TestCertificates.Create();
        var error = Assert.Throws<TlsSetupException>(() => ServerCertificate.Load(files.CertificatePem, other.KeyPem));
        Assert.StartsWith("cannot load the certificate ", error.Message, StringComparison.Ordinal);
    }
}
