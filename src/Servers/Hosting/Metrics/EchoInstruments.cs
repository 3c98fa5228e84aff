namespace EchoServers.Servers.Hosting.Metrics;

/// <summary>
/// The instruments of <see cref="EchoMetrics"/> as data (name, unit, description, the snapshot field behind it), for
/// the supervisor, which publishes them again from its workers' totals. A test compares this list with the
/// instruments <see cref="EchoMetrics"/> creates, so the two cannot drift apart.
/// </summary>
internal sealed record EchoInstruments(string Name, string Unit, string Description, bool IsGauge, Func<MetricsSnapshot, long> Read)
{
    public static IReadOnlyList<EchoInstruments> All { get; } =
    [
        new("echo.connections.active", "{connection}", "Connections being served", true, s => s.Active),
        new("echo.connections.accepted", "{connection}", "Connections accepted", false, s => s.Accepted),
        new("echo.connections.rejected", "{connection}", "Connections refused (limits, full queue)", false, s => s.Rejected),
        new("echo.bytes.in", "By", "Bytes received", false, s => s.BytesIn),
        new("echo.bytes.out", "By", "Bytes sent", false, s => s.BytesOut),
        new("echo.messages", "{message}", "Messages echoed", false, s => s.Messages),
        new("echo.protocol.errors", "{error}", "Connections closed for protocol errors", false, s => s.ProtocolErrors),
        new("echo.connections.resets", "{connection}", "Connections reset by the peer (or broken)", false, s => s.Resets),
        new("echo.connections.idle_closes", "{connection}", "Connections closed after the idle or frame timeout", false, s => s.IdleCloses),
        new("echo.connections.send_timeouts", "{connection}", "Connections aborted because the peer took no replies for the send timeout", false, s => s.SendTimeouts),
        new("echo.connections.failed", "{connection}", "Connections ended by an unexpected error", false, s => s.Failures),
        new("echo.tls.handshakes", "{handshake}", "TLS handshakes completed (--tls)", false, s => s.Handshakes),
        new("echo.tls.handshake_failures", "{connection}", "Connections closed because their TLS handshake failed or missed its deadline", false, s => s.HandshakeFailures),
    ];
}
