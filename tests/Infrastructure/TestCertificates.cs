using System.Net;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Servers.Connections.Tls;

namespace EchoServers.Tests.Infrastructure;

/// <summary>Certificates written to a private temporary directory, as a user would pass them to <c>--cert</c>, <c>--key</c> and <c>--ca</c>; deleted on dispose.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, X509Certificate2 certificate)
    {
        Directory = directory;
        Certificate = certificate;
    }

    /// <summary>The directory holding the files.</summary>
    public string Directory { get; }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate alone, PEM.</summary>
    public string CertificatePem => Path.Combine(Directory, "server.crt");

    /// <summary>Its private key, PKCS#8 PEM.</summary>
    public string KeyPem => Path.Combine(Directory, "server.key");

    /// <summary>Certificate and key in one PEM file.</summary>
    public string CombinedPem => Path.Combine(Directory, "server.pem");

    /// <summary>Certificate and key as PKCS#12 without a password.</summary>
    public string Pfx => Path.Combine(Directory, "server.pfx");

    /// <summary>A self-signed certificate for 127.0.0.1 (the server's own generator), written in every form.</summary>
    public static TestCertificates Create(TimeSpan? validity = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("echo-tls-").FullName;
        var certificate = ServerCertificate.CreateSelfSigned(IPAddress.Loopback, validity);
        var certificatePem = certificate.ExportCertificatePem();
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("expected an ECDSA key");
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var files = new TestCertificates(directory, certificate);
        File.WriteAllText(files.CertificatePem, certificatePem);
        File.WriteAllText(files.KeyPem, keyPem);
        File.WriteAllText(files.CombinedPem, certificatePem + "\n" + keyPem);
        File.WriteAllBytes(files.Pfx, certificate.Export(X509ContentType.Pkcs12));
        return files;
    }

    /// <summary>SHA-256 of the certificate, the way the server logs it.</summary>
    public string Fingerprint => ServerCertificate.Fingerprint(Certificate);

    public void Dispose()
    {
        Certificate.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
