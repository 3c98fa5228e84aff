namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// <c>run --tls</c>: talk TLS 1.2/1.3 to a server started with <c>--tls</c>, trusting the certificate as
/// <c>echo-client --tls</c> does: the system's roots by default, only the certificates of <see cref="CaFile"/>, or
/// (<see cref="Insecure"/>) anything.
/// </summary>
public sealed record TlsClientOptions
{
    /// <summary><c>--insecure</c>: accept any server certificate (still encrypted, not authenticated).</summary>
    public bool Insecure { get; init; }

    /// <summary><c>--ca</c>: trust only the certificates in this file (PEM or DER) as roots, instead of the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary><c>--sni</c>: the server name to send and to check the certificate against; default the target's address.</summary>
    public string? Sni { get; init; }

    /// <summary>How the certificate is checked, as the reports say it.</summary>
    public string TrustText => Insecure ? "not verified (--insecure)" : CaFile is { } ca ? $"verified against {Path.GetFileName(ca)}" : "verified against the system's roots";
}
