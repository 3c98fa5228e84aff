using CsCheck;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Protocol;

public sealed class TransformTests
{
    private static byte ScalarUpper(byte b) => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;

    [Fact]
    public void Upper_changes_only_ascii_lowercase_letters_for_any_bytes()
    {
        Gen.Byte.Array[0, 300].Sample(input =>
        {
            var output = new byte[input.Length];
            Transform.Apply(TransformKind.Upper, input, output);
            Assert.Equal(input.Select(ScalarUpper).ToArray(), output);
        });
    }

    [Fact]
    public void Upper_leaves_utf8_multibyte_sequences_alone()
    {
        var input = "héllo wörld ß"u8.ToArray();
        Assert.Equal("HéLLO WöRLD ß"u8.ToArray(), Transform.Expected(TransformKind.Upper, input));
    }

    [Fact]
    public void Upper_can_work_in_place()
    {
        var data = "abc{}`xyz@AZ"u8.ToArray();
        Transform.Apply(TransformKind.Upper, data, data);
        Assert.Equal("ABC{}`XYZ@AZ"u8.ToArray(), data);
    }

    [Fact]
    public void Echo_is_identity()
    {
        Gen.Byte.Array[0, 100].Sample(input => Assert.Equal(input, Transform.Expected(TransformKind.Echo, input)));
    }

    [Fact]
    public void Framer_writes_a_transformed_frame()
    {
        var framer = new SpanFramer(FramingKind.Line);
        var destination = new byte[16];
        var written = framer.Write("hi there"u8, destination, TransformKind.Upper);
        Assert.Equal("HI THERE\n"u8.ToArray(), destination[..written]);
    }
}
