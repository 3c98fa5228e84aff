namespace EchoServers.Load.Measurement;

/// <summary>One second of the run (one CSV row, one point of the charts).</summary>
public sealed record SecondSnapshot(
    double Second,
    string Phase,
    long Messages,
    double MessagesPerSecond,
    long Sent,
    long P50Us,
    long P99Us,
    long MaxUs,
    long Errors,
    int ActiveConnections,
    long SendLatenessP99Us,
    double CpuPercent);
