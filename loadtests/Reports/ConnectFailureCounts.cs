namespace EchoServers.Load.Reports;

/// <summary>
/// Connects that did not give a working connection, by cause, over the whole run (the connect thread's and, with
/// churn, the I/O threads'). Refused: ECONNREFUSED, or (churn) the server's <c>ERROR:</c> line or a close before any
/// reply; reset: reset while connecting or (churn) before any reply; timeout: not established within
/// <c>--connect-timeout</c>; outOfPorts: EADDRNOTAVAIL, no local port left for the source address.
/// </summary>
public sealed record ConnectFailureCounts(long Total, long Refused, long Reset, long Timeout, long OutOfPorts, long Other)
{
    public static ConnectFailureCounts None { get; } = new(0, 0, 0, 0, 0, 0);
}
