using EchoServers.Protocol.Framing;

namespace EchoServers.Client.Cli;

/// <summary>What the command line asked for.</summary>
internal sealed record ClientOptions
{
    public const string DefaultHost = "127.0.0.1";
    public const int DefaultPort = 1688;

    public string Host { get; init; } = DefaultHost;

    public int Port { get; init; } = DefaultPort;

    public FramingKind Framing { get; init; } = FramingKind.Line;

    /// <summary>Bounds the connect and, in pipe mode, the wait for outstanding replies after end of input.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest reply payload accepted.</summary>
    public int MaxFrame { get; init; } = ProtocolLimits.DefaultMaxFrame;

    /// <summary><c>--tls</c>: talk TLS 1.2/1.3 to a server started with <c>--tls</c>.</summary>
    public bool Tls { get; init; }

    /// <summary><c>--insecure</c>: accept any server certificate (still encrypted, not authenticated).</summary>
    public bool Insecure { get; init; }

    /// <summary><c>--ca</c>: trust only the certificates in this file (PEM or DER) as roots, instead of the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary><c>--sni</c>: the server name to send and to check the certificate against; default <see cref="Host"/>.</summary>
    public string? Sni { get; init; }

    /// <summary><c>host:port</c> as shown to people.</summary>
    public string Endpoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
