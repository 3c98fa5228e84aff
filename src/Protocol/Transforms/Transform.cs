using System.Numerics;
using System.Runtime.InteropServices;

namespace EchoServers.Protocol.Transforms;

/// <summary>Applies a <see cref="TransformKind"/> to bytes.</summary>
public static class Transform
{
    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, transformed. They may be the same memory.</summary>
    public static void Apply(TransformKind kind, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (kind == TransformKind.Echo)
        {
            source.CopyTo(destination);
            return;
        }

        ToUpperAscii(source, destination);
    }

    /// <summary>ASCII uppercase that leaves every non-letter byte alone (unlike <c>Ascii.ToUpper</c>, which rejects non-ASCII input).</summary>
    public static void ToUpperAscii(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        }

        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var a = new Vector<byte>((byte)'a');
            var span = new Vector<byte>(25);
            var caseBit = new Vector<byte>(0x20);
            var src = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            var dst = MemoryMarshal.Cast<byte, Vector<byte>>(destination);
            for (var v = 0; v < src.Length; v++)
            {
                var value = src[v];
                var isLower = Vector.LessThanOrEqual(value - a, span);
                dst[v] = value ^ (caseBit & isLower);
            }

            i = src.Length * Vector<byte>.Count;
        }

        for (; i < source.Length; i++)
        {
            var b = source[i];
            destination[i] = (uint)(b - 'a') <= 'z' - 'a' ? (byte)(b ^ 0x20) : b;
        }
    }

    /// <summary>The reply a correct server sends for <paramref name="message"/> (for clients and verifiers).</summary>
    public static byte[] Expected(TransformKind kind, ReadOnlySpan<byte> message)
    {
        var reply = new byte[message.Length];
        Apply(kind, message, reply);
        return reply;
    }
}
