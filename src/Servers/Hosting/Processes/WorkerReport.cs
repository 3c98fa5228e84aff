using System.Globalization;

namespace EchoServers.Servers.Hosting.Processes;

/// <summary>
/// The line a worker writes on its stdout for the supervisor: <c>@metrics</c>, the thirteen totals of a
/// <see cref="MetricsSnapshot"/> and the worker's CPU time in milliseconds (user + system). Totals, not rates, so a
/// lost or late line costs nothing and the sum over workers is exact; the supervisor computes the rates of the
/// aggregated stats line itself. The line is also the worker's heartbeat (<see cref="HungWorkers"/>).
/// </summary>
internal static class WorkerReport
{
    public const string Prefix = "@metrics ";

    private const int Fields = 14;

    public static string Format(MetricsSnapshot s, TimeSpan cpu) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Prefix}{s.Active} {s.Accepted} {s.Rejected} {s.Messages} {s.BytesIn} {s.BytesOut} {s.ProtocolErrors} {s.Resets} {s.IdleCloses} {s.Failures} {s.Handshakes} {s.HandshakeFailures} {s.SendTimeouts} {(long)cpu.TotalMilliseconds}");

    public static bool TryParse(string line, out MetricsSnapshot snapshot, out TimeSpan cpu)
    {
        snapshot = default;
        cpu = default;
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = line[Prefix.Length..].Split(' ');
        if (parts.Length != Fields)
        {
            return false;
        }

        var v = new long[Fields];
        for (var i = 0; i < v.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]))
            {
                return false;
            }
        }

        snapshot = new MetricsSnapshot(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
        cpu = TimeSpan.FromMilliseconds(v[13]);
        return true;
    }

    /// <summary>The sum of two snapshots, field by field.</summary>
    public static MetricsSnapshot Add(MetricsSnapshot a, MetricsSnapshot b) => new(
        a.Active + b.Active,
        a.Accepted + b.Accepted,
        a.Rejected + b.Rejected,
        a.Messages + b.Messages,
        a.BytesIn + b.BytesIn,
        a.BytesOut + b.BytesOut,
        a.ProtocolErrors + b.ProtocolErrors,
        a.Resets + b.Resets,
        a.IdleCloses + b.IdleCloses,
        a.Failures + b.Failures,
        a.Handshakes + b.Handshakes,
        a.HandshakeFailures + b.HandshakeFailures,
        a.SendTimeouts + b.SendTimeouts);
}
