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

    /// <summary><c>host:port</c> as shown to people.</summary>
    public string Endpoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
