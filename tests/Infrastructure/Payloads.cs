using System.Security.Cryptography;
using System.Text;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Infrastructure;

/// <summary>Random payloads (bytes, or text lines for the client), checksums, and the frames that carry them.</summary>
public static class Payloads
{
    private const string LineAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_";
    /// <summary><paramref name="size"/> random bytes from a seeded generator (reproducible: the seed is in the test).</summary>
    public static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Random printable ASCII (no newline), for line framing.</summary>
    public static byte[] RandomText(int size, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)random.Next(0x20, 0x7F);
        }

        return bytes;
    }

    /// <summary>SHA-256 as lowercase hex.</summary>
    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Cuts <paramref name="data"/> into consecutive pieces of random length 1..<paramref name="maxChunk"/>.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> SplitRandomly(ReadOnlyMemory<byte> data, int seed, int maxChunk)
    {
        var random = new Random(seed);
        var offset = 0;
        while (offset < data.Length)
        {
            var length = Math.Min(random.Next(1, maxChunk + 1), data.Length - offset);
            yield return data.Slice(offset, length);
            offset += length;
        }
    }

    /// <summary>The frames of <paramref name="messages"/> in <paramref name="framing"/>, concatenated.</summary>
    public static byte[] Frames(FramingKind framing, IEnumerable<byte[]> messages)
    {
        var framer = new SpanFramer(framing, ProtocolLimits.MaxMaxFrame);
        using var stream = new MemoryStream();
        foreach (var message in messages)
        {
            stream.Write(framer.Encode(message));
        }

        return stream.ToArray();
    }

    /// <summary>A random printable line of <paramref name="length"/> characters (letters, digits, a little punctuation; no newline).</summary>
    public static string Line(Random random, int length) =>
        string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = LineAlphabet[r.Next(LineAlphabet.Length)];
            }
        });

    /// <summary><paramref name="count"/> random lines of 1..<paramref name="maxLength"/> characters.</summary>
    public static string[] Lines(int seed, int count, int maxLength)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Line(random, random.Next(1, maxLength)))];
    }

    /// <summary>SHA-256 of <paramref name="text"/>'s UTF-8 bytes, as lowercase hex.</summary>
    public static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));

    /// <summary>The lines as a client's stdin: each ended by <c>\n</c>.</summary>
    public static string AsInput(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
