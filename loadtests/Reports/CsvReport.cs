using System.Globalization;
using System.Text;

namespace EchoServers.Load.Reports;

/// <summary>The per-second series as CSV, one row per second (plus the warm-up and end boundaries).</summary>
public static class CsvReport
{
    public const string Header = "second,phase,messages,messagesPerSecond,sent,p50Us,p99Us,maxUs,errors,activeConnections,sendLatenessP99Us,cpuPercent";

    public static string Format(LoadResult result)
    {
        var text = new StringBuilder().AppendLine(Header);
        foreach (var s in result.PerSecond)
        {
            text.AppendLine(string.Join(',',
                s.Second.ToString(CultureInfo.InvariantCulture), s.Phase, s.Messages, s.MessagesPerSecond.ToString(CultureInfo.InvariantCulture),
                s.Sent, s.P50Us, s.P99Us, s.MaxUs, s.Errors, s.ActiveConnections, s.SendLatenessP99Us, s.CpuPercent.ToString(CultureInfo.InvariantCulture)));
        }

        return text.ToString();
    }

    public static void Write(LoadResult result, string path) => File.WriteAllText(path, Format(result));
}
