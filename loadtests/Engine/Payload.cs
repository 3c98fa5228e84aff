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

    private const int Period = 64;
    private const int RowLength = 2 * Period;

    private static ReadOnlySpan<byte> Alphabet => "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"u8;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    // Pattern byte p of a message with mix m is Alphabet[(7p + m) mod 64]: periodic in p with period 64, so each of the
    // 64 possible rows is precomputed twice over and any window of up to 64 bytes is one contiguous copy or compare.
    private static readonly byte[] Rows = BuildRows(upper: false);
    private static readonly byte[] UpperRows = BuildRows(upper: true);

    /// <summary>Writes bytes <c>[offset, offset + destination.Length)</c> of message (<paramref name="conn"/>, <paramref name="seq"/>).</summary>
    public static void WriteRange(Span<byte> destination, uint conn, uint seq, int offset)
    {
        var i = WriteHeaderRange(destination, conn, seq, offset);
        var row = Rows.AsSpan(Mix(conn, seq) * RowLength, RowLength);
        while (i < destination.Length)
        {
            var n = Math.Min(Period, destination.Length - i);
            row.Slice((offset + i) & (Period - 1), n).CopyTo(destination.Slice(i, n));
            i += n;
        }
    }

    /// <summary>Writes the whole message into <paramref name="destination"/> (its length is the message size).</summary>
    public static void Write(Span<byte> destination, uint conn, uint seq) => WriteRange(destination, conn, seq, 0);

    /// <summary>Whether <paramref name="reply"/> is exactly message (<paramref name="conn"/>, <paramref name="seq"/>) after <paramref name="transform"/>.</summary>
    public static bool Matches(ReadOnlySpan<byte> reply, uint conn, uint seq, TransformKind transform)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        var headerLength = WriteHeaderRange(header[..Math.Min(HeaderSize, reply.Length)], conn, seq, 0);
        if (transform == TransformKind.Upper)
        {
            Transform.ToUpperAscii(header[..headerLength], header);
        }

        if (!reply[..headerLength].SequenceEqual(header[..headerLength]))
        {
            return false;
        }

        var row = (transform == TransformKind.Upper ? UpperRows : Rows).AsSpan(Mix(conn, seq) * RowLength, RowLength);
        for (var i = headerLength; i < reply.Length;)
        {
            var n = Math.Min(Period, reply.Length - i);
            if (!reply.Slice(i, n).SequenceEqual(row.Slice(i & (Period - 1), n)))
            {
                return false;
            }

            i += n;
        }

        return true;
    }

    private static int Mix(uint conn, uint seq) => (int)(((conn * 13u) + (seq * 5u)) & (Period - 1));

    /// <summary>Writes the part of the hex header that falls in <c>[offset, offset + destination.Length)</c>; returns bytes written.</summary>
    private static int WriteHeaderRange(Span<byte> destination, uint conn, uint seq, int offset)
    {
        var i = 0;
        for (; i < destination.Length && offset + i < HeaderSize; i++)
        {
            var position = offset + i;
            var word = position < 8 ? conn : seq;
            var shift = (7 - (position & 7)) * 4;
            destination[i] = HexDigits[(int)((word >> shift) & 0xF)];
        }

        return i;
    }

    private static byte[] BuildRows(bool upper)
    {
        var rows = new byte[Period * RowLength];
        for (var mix = 0; mix < Period; mix++)
        {
            for (var p = 0; p < RowLength; p++)
            {
                rows[(mix * RowLength) + p] = Alphabet[((7 * p) + mix) & (Period - 1)];
            }
        }

        if (upper)
        {
            Transform.ToUpperAscii(rows, rows);
        }

        return rows;
    }

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
