namespace EchoServers.Servers.Hosting;

/// <summary>The server's totals at one moment.</summary>
public readonly record struct MetricsSnapshot(
    long Active,
    long Accepted,
    long Rejected,
    long Messages,
    long BytesIn,
    long BytesOut,
    long ProtocolErrors,
    long Resets = 0,
    long IdleCloses = 0,
    long Failures = 0,
    long Handshakes = 0,
    long HandshakeFailures = 0,
    long SendTimeouts = 0);
