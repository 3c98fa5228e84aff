using System.Security.Cryptography;
using System.Text;

namespace EchoServers.Tests.Client;

/// <summary>Random printable payloads (no newline) and their checksums, for exact round-trip checks.</summary>
internal static class Payloads
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_";

    public static string Line(Random random, int length) =>
        string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[r.Next(Alphabet.Length)];
            }
        });

    public static string[] Lines(int seed, int count, int maxLength)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Line(random, random.Next(1, maxLength)))];
    }

    public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string AsInput(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
