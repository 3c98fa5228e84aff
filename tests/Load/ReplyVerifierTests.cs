using EchoServers.Load.Engine;
using EchoServers.Protocol.Transforms;

namespace EchoServers.Tests.Load;

public sealed class ReplyVerifierTests
{
    private static readonly SizeSpec Size64 = new(64, 64);

    private static byte[] Message(uint conn, uint seq, int size = 64)
    {
        var bytes = new byte[size];
        Payload.Write(bytes, conn, seq);
        return bytes;
    }

    private static LoadConnection WithOutstanding(uint id, int count)
    {
        var connection = new LoadConnection((int)id, fd: -1, window: 16, carrySize: 128);
        for (var i = 0; i < count; i++)
        {
            connection.Claim(1000 + i, 1000 + i);
        }

        return connection;
    }

    [Fact]
    public void Payload_is_printable_without_newlines_and_names_connection_and_sequence()
    {
        var bytes = Message(0xABCD, 0x1234_5678, 1000);
        Assert.All(bytes, b => Assert.InRange(b, (byte)0x21, (byte)0x7E));
        Assert.True(Payload.TryReadHeader(bytes, out var conn, out var seq));
        Assert.Equal(0xABCDu, conn);
        Assert.Equal(0x1234_5678u, seq);

        var upper = Transform.Expected(TransformKind.Upper, bytes);
        Assert.True(Payload.TryReadHeader(upper, out conn, out seq)); // hex survives uppercasing
        Assert.Equal((0xABCDu, 0x1234_5678u), (conn, seq));
        Assert.NotEqual(bytes, upper); // the pattern has lowercase letters, so upper is detectable
    }

    [Fact]
    public void In_order_replies_pass_and_complete_the_head()
    {
        var connection = WithOutstanding(3, 2);
        Assert.Equal(ReplyVerdict.InOrder, ReplyVerifier.Check(connection, Message(3, 0), Size64, TransformKind.Echo, out var seq));
        Assert.Equal(0u, seq);
        connection.Complete(seq);
        Assert.Equal(ReplyVerdict.InOrder, ReplyVerifier.Check(connection, Message(3, 1), Size64, TransformKind.Echo, out seq));
        connection.Complete(seq);
        Assert.Equal(0, connection.Outstanding);
    }

    [Fact]
    public void A_reply_overtaking_an_earlier_one_is_reordered_and_the_gap_stays_outstanding()
    {
        var connection = WithOutstanding(1, 4);
        Assert.Equal(ReplyVerdict.Reordered, ReplyVerifier.Check(connection, Message(1, 2), Size64, TransformKind.Echo, out var seq));
        Assert.Equal(2u, seq);
        connection.Complete(seq);
        Assert.Equal(4, connection.Outstanding); // 0 and 1 still ahead of it

        connection.Complete(0);
        connection.Complete(1);
        Assert.Equal(1, connection.Outstanding); // 2 was already answered; only 3 remains

        // A second copy of reply 2 matches nothing outstanding.
        Assert.Equal(ReplyVerdict.Mismatch, ReplyVerifier.Check(connection, Message(1, 2), Size64, TransformKind.Echo, out _));
    }

    [Fact]
    public void Lost_replies_remain_outstanding_to_be_counted_missing()
    {
        var connection = WithOutstanding(9, 3);
        Assert.Equal(ReplyVerdict.Reordered, ReplyVerifier.Check(connection, Message(9, 2), Size64, TransformKind.Echo, out var seq));
        connection.Complete(seq);
        Assert.Equal(3, connection.Outstanding);
        Assert.Equal(0u, connection.NextExpected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(63)]
    public void A_changed_byte_is_a_mismatch(int index)
    {
        var connection = WithOutstanding(5, 1);
        var reply = Message(5, 0);
        reply[index] = (byte)(reply[index] == (byte)'x' ? 'y' : 'x');
        Assert.Equal(ReplyVerdict.Mismatch, ReplyVerifier.Check(connection, reply, Size64, TransformKind.Echo, out _));
    }

    [Fact]
    public void Wrong_length_wrong_connection_and_wrong_transform_are_mismatches()
    {
        var connection = WithOutstanding(5, 1);
        Assert.Equal(ReplyVerdict.Mismatch, ReplyVerifier.Check(connection, Message(5, 0).AsSpan(0, 63), Size64, TransformKind.Echo, out _));
        Assert.Equal(ReplyVerdict.Mismatch, ReplyVerifier.Check(connection, Message(6, 0), Size64, TransformKind.Echo, out _));
        var upper = Transform.Expected(TransformKind.Upper, Message(5, 0));
        Assert.Equal(ReplyVerdict.Mismatch, ReplyVerifier.Check(connection, upper, Size64, TransformKind.Echo, out _));
        Assert.Equal(ReplyVerdict.InOrder, ReplyVerifier.Check(connection, upper, Size64, TransformKind.Upper, out _));
    }

    [Fact]
    public void Variable_sizes_are_a_pure_function_of_connection_and_sequence()
    {
        var sizes = new SizeSpec(16, 4096);
        var seen = new HashSet<int>();
        for (uint seq = 0; seq < 1000; seq++)
        {
            var size = sizes.SizeOf(7, seq);
            Assert.Equal(size, sizes.SizeOf(7, seq));
            Assert.InRange(size, 16, 4096);
            seen.Add(size);
        }

        Assert.True(seen.Count > 500);
    }
}
