using EchoServers.Load.Engine;
using EchoServers.Load.Measurement;

namespace EchoServers.Load.Reports;

/// <summary>Progress as plain lines (output redirected, CI logs): one line per phase and per second.</summary>
public sealed class PlainProgressSink(TextWriter output) : IProgressSink
{
    private int _lastAttempted;

    public void OnPhase(string phase, string detail) => output.WriteLine($"== {phase}: {detail}");

    public void OnConnecting(int attempted, int total, int failed)
    {
        output.WriteLine($"connect  {attempted}/{total} ({attempted - _lastAttempted}/s), {failed} failed");
        _lastAttempted = attempted;
    }

    public void OnSecond(SecondSnapshot snapshot) => output.WriteLine(Line(snapshot));

    private static string Line(SecondSnapshot s) => (
        $"[{s.Second,6:0.#}s {s.Phase,-7}] {Format.Rate(s.MessagesPerSecond),9} msgs/s  p50 {Format.Us(s.P50Us),7}  p99 {Format.Us(s.P99Us),7}  max {Format.Us(s.MaxUs),7}"
        + $"  errors {s.Errors}  conns {s.ActiveConnections}  cpu {s.CpuPercent:0}%"
        + (s.SendLatenessP99Us > 0 ? $"  late p99 {Format.Us(s.SendLatenessP99Us)}" : string.Empty));

    public void OnWarning(string message) => output.WriteLine($"warning: {message}");

    public void OnFinished()
    {
    }
}
