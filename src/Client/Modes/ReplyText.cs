using System.Text;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;

namespace EchoServers.Client.Modes;

/// <summary>How reply payloads become text.</summary>
internal static class ReplyText
{
    private static readonly byte[] ErrorPrefix = Encoding.UTF8.GetBytes(ErrorLine.Prefix);

    /// <summary>
    /// The server's own error line (<c>ERROR: reason</c>, sent in line framing before it closes the connection),
    /// as its reason; null for an ordinary reply. Only line framing has error lines: elsewhere it is data.
    /// </summary>
    public static string? ServerError(FramingKind framing, byte[] payload) =>
        framing == FramingKind.Line && payload.AsSpan().StartsWith(ErrorPrefix)
            ? Encoding.UTF8.GetString(payload.AsSpan(ErrorPrefix.Length))
            : null;

    /// <summary>A round-trip time as people read it: <c>0.21 ms</c>.</summary>
    public static string RoundTrip(TimeSpan elapsed) => $"{elapsed.TotalMilliseconds:0.00} ms";
}
