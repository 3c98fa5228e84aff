using EchoServers.Protocol.Text;

namespace EchoServers.Load.Engine;

/// <summary>
/// Message sizes: one fixed size (<c>64</c>) or a uniform range (<c>64..4KiB</c>). The size of each message is a pure
/// function of its connection id and sequence number, so the receiver knows how many bytes to expect (raw framing
/// matches replies by byte count) without remembering anything per message.
/// </summary>
public readonly record struct SizeSpec(int Min, int Max)
{
    /// <summary>Whether every message has the same size.</summary>
    public bool IsFixed => Min == Max;

    /// <summary>The size of message (<paramref name="conn"/>, <paramref name="seq"/>).</summary>
    public int SizeOf(uint conn, uint seq)
    {
        if (Min == Max)
        {
            return Min;
        }

        // A cheap integer hash (murmur finaliser): deterministic, spread evenly over the range.
        var h = (conn * 0x9E3779B9u) ^ seq;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        return Min + (int)(h % (uint)(Max - Min + 1));
    }

    /// <summary>Parses <c>64</c>, <c>4KiB</c> or <c>64..4KiB</c>.</summary>
    public static bool TryParse(string text, out SizeSpec spec, out string error)
    {
        spec = default;
        var parts = text.Split("..", 2, StringSplitOptions.TrimEntries);
        if (!ByteSizeText.TryParse(parts[0], out var min, out error))
        {
            return false;
        }

        var max = min;
        if (parts.Length == 2 && !ByteSizeText.TryParse(parts[1], out max, out error))
        {
            return false;
        }

        if (min < 1 || max < min || max > 16 * 1024 * 1024)
        {
            error = $"size '{text}' must be between 1 byte and 16MiB, smallest first";
            return false;
        }

        spec = new SizeSpec((int)min, (int)max);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => IsFixed ? $"{Min}" : $"{Min}..{Max}";
}
