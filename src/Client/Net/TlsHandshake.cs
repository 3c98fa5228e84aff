using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EchoServers.Client.Cli;
using EchoServers.Protocol.Text;
using EchoServers.Protocol.Tls;

namespace EchoServers.Client.Net;

/// <summary>
/// <c>--tls</c>: the client side of the handshake within the connect timeout, trusting the system's roots, the
/// <c>--ca</c> file's certificates, or (<c>--insecure</c>) anything; every way it can fail becomes one line that says
/// why: the <see cref="SslPolicyErrors"/> with the chain's own status, and the certificate's name and fingerprint, so
/// the user can compare it with the one the server logged.
/// </summary>
internal static class TlsHandshake
{
    public static async Task<SslStream> AuthenticateAsync(Socket socket, ClientOptions options, CancellationToken cancellationToken)
    {
        var policy = options.CaFile is { } caFile ? TrustOnly(caFile) : null;
        var targetHost = options.Sni ?? options.Host;
        var rejected = (Errors: SslPolicyErrors.None, Detail: string.Empty);
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (options.Insecure || errors == SslPolicyErrors.None)
                {
                    return true;
                }

                rejected = (errors, ServerCertificateTrust.Explain(errors, certificate, chain, targetHost));
                return false;
            },
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await stream.AuthenticateAsClientAsync(authentication, timeout.Token);
            return stream;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await stream.DisposeAsync();
            throw new ClientFailure($"TLS handshake with {options.Endpoint} timed out after {DurationText.Format(options.Timeout)} (is it a TLS server, started with --tls?)");
        }
        catch (AuthenticationException ex) when (rejected.Errors != SslPolicyErrors.None)
        {
            await stream.DisposeAsync();
            throw new ClientFailure($"TLS: the certificate of {options.Endpoint} is not trusted: {rejected.Detail}; {Remedy(options)}", ex);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await stream.DisposeAsync();
            throw new ClientFailure($"TLS handshake with {options.Endpoint} failed: {Innermost(ex)} (is it a TLS server, started with --tls?)", ex);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The status line shown once on connect, e.g. <c>tls: TLS 1.3, TLS_AES_256_GCM_SHA384, certificate CN=127.0.0.1 (verified)</c>.</summary>
    public static string Describe(SslStream tls, ClientOptions options)
    {
        var version = tls.SslProtocol switch
        {
            SslProtocols.Tls13 => "TLS 1.3",
            SslProtocols.Tls12 => "TLS 1.2",
            var other => other.ToString(),
        };
        var trust = options.Insecure ? "not verified: --insecure" : options.CaFile is { } ca ? $"verified against {Path.GetFileName(ca)}" : "verified";
        return $"tls: {version}, {tls.NegotiatedCipherSuite}, certificate {tls.RemoteCertificate?.Subject ?? "(none)"} ({trust})";
    }

    /// <summary>Sends close_notify before the connection closes; a connection already broken has nothing to say.</summary>
    public static async Task CloseNotifyAsync(SslStream tls)
    {
        try
        {
            await tls.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or NotSupportedException or AuthenticationException)
        {
            // Reset, closed, or a read was cancelled under it: the server sees the FIN instead.
        }
    }

    /// <summary>A chain policy that trusts exactly the certificates in <paramref name="path"/>.</summary>
    private static X509ChainPolicy TrustOnly(string path)
    {
        try
        {
            return ServerCertificateTrust.TrustOnly(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ClientFailure($"--ca {path}: not a readable PEM or DER certificate ({ex.Message})", ex);
        }
    }

    private static string Remedy(ClientOptions options) => options.CaFile is null
        ? "trust it with --ca <file>, or skip the check with --insecure"
        : $"it does not chain to --ca {Path.GetFileName(options.CaFile)} or does not name {options.Sni ?? options.Host} (see --sni)";

    private static string Innermost(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }
}
