using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace EchoServers.Tests.Reliability.HostileClients;

/// <summary>
/// Clients that send what the protocol forbids. Each sends, then watches for up to a window: the server should
/// close that one connection (a line-framed peer first gets <c>ERROR: ...</c>), and nothing else.
/// </summary>
public static class HostileInput
{
    /// <summary>The length prefixes worth trying: zero, negative, the most negative, the largest.</summary>
    public static readonly int[] NastyPrefixes = [0, -1, int.MinValue, int.MaxValue];

    /// <summary>Sends <paramref name="count"/> random bytes (any framing: garbage for all three), then watches.</summary>
    public static Task<HostileOutcome> RandomBytesAsync(IPEndPoint endPoint, int count, TimeSpan window, CancellationToken cancellationToken, bool halfClose = false) =>
        HostileSocket.SendAndObserveAsync(endPoint, RandomNumberGenerator.GetBytes(count), halfClose, window, cancellationToken);

    /// <summary>
    /// Sends the 4-byte big-endian <paramref name="prefix"/> and <paramref name="payloadBytes"/> random bytes after
    /// it, half-closing when asked (so a legal frame comes back and the connection ends), then watches.
    /// </summary>
    public static Task<HostileOutcome> LengthPrefixAsync(IPEndPoint endPoint, int prefix, TimeSpan window, CancellationToken cancellationToken, int payloadBytes = 0, bool halfClose = false)
    {
        var wire = new byte[4 + payloadBytes];
        BinaryPrimitives.WriteInt32BigEndian(wire, prefix);
        RandomNumberGenerator.Fill(wire.AsSpan(4));
        return HostileSocket.SendAndObserveAsync(endPoint, wire, halfClose, window, cancellationToken);
    }

    /// <summary>Sends <paramref name="length"/> letters and never a newline (a line without end), then watches.</summary>
    public static Task<HostileOutcome> UnterminatedLineAsync(IPEndPoint endPoint, int length, TimeSpan window, CancellationToken cancellationToken) =>
        HostileSocket.SendAndObserveAsync(endPoint, ConnectionFloods.Letters(length), halfClose: false, window, cancellationToken);
}
