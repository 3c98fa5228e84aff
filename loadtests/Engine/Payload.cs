using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Engine;

/// <summary>
/// The bytes of message <c>seq</c> on connection <c>conn</c>: 8 hex digits of the connection id, 8 of the sequence
/// number, then a printable pattern derived from both. Every byte is printable and none is <c>\n</c>, so the same
/// payload works in every framing; hex survives the <c>upper</c> transform (it is decoded case-insensitively), and
/// the pattern holds lowercase letters so a server that uppercases when echo is expected is caught.
/// Messages shorter than the 16-byte header carry a truncated header and cannot be told apart by id.
/// </summary>
internal static class Payload
{
    /// <summary>Bytes of the id header.</summary>
    public const int HeaderSize = 16;

    private static ReadOnlySpan<byte> Alphabet => "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"u8;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>Writes bytes <c>[offset, offset + destination.Length)</c> of message (<paramref name="conn"/>, <paramref name="seq"/>).</summary>
    public static void WriteRange(Span<byte> destination, uint conn, uint seq, int offset)
    {
        var i = 0;
        for (; i < destination.Length && offset + i < HeaderSize; i++)
        {
            var position = offset + i;
            var word = position < 8 ? conn : seq;
            var shift = (7 - (position & 7)) * 4;
            destination[i] = HexDigits[(int)((word >> shift) & 0xF)];
        }

        var mix = (conn * 13u) + (seq * 5u);
        var alphabet = Alphabet;
        for (; i < destination.Length; i++)
        {
            destination[i] = alphabet[(int)((((uint)(offset + i) * 7u) + mix) & 63u)];
        }
    }

    /// <summary>Writes the whole message into <paramref name="destination"/> (its length is the message size).</summary>
    public static void Write(Span<byte> destination, uint conn, uint seq) => WriteRange(destination, conn, seq, 0);

    /// <summary>Reads the connection id and sequence number from a reply's header (case-insensitive hex).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out uint conn, out uint seq)
    {
        conn = seq = 0;
        if (message.Length < HeaderSize)
        {
            return false;
        }

        return TryReadHex(message[..8], out conn) && TryReadHex(message[8..HeaderSize], out seq);
    }

    /// <summary>Whether <paramref name="reply"/> is exactly message (<paramref name="conn"/>, <paramref name="seq"/>) after <paramref name="transform"/>.</summary>
    public static bool Matches(ReadOnlySpan<byte> reply, uint conn, uint seq, TransformKind transform)
    {
        Span<byte> chunk = stackalloc byte[256];
        for (var offset = 0; offset < reply.Length; offset += chunk.Length)
        {
            var part = reply.Slice(offset, Math.Min(chunk.Length, reply.Length - offset));
            var expected = chunk[..part.Length];
            WriteRange(expected, conn, seq, offset);
            if (transform == TransformKind.Upper)
            {
                Transform.ToUpperAscii(expected, expected);
            }

            if (!part.SequenceEqual(expected))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadHex(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        foreach (var b in digits)
        {
            uint nibble;
            if ((uint)(b - '0') <= 9)
            {
                nibble = (uint)(b - '0');
            }
            else if ((uint)((b | 0x20) - 'a') <= 5)
            {
                nibble = (uint)((b | 0x20) - 'a' + 10);
            }
            else
            {
                return false;
            }

            value = (value << 4) | nibble;
        }

        return true;
    }
}
