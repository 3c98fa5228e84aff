using EchoServers.Protocol.Transforms;

namespace EchoServers.Load.Engine;

/// <summary>
/// Decides what a reply is, in place and without allocating: the header names the connection and sequence number,
/// so a correct reply to a later message (reorder), a reply that matches nothing outstanding, and corrupted bytes
/// are told apart. Messages never answered are found later, as timeouts or as missing at the end of the drain.
/// </summary>
internal static class ReplyVerifier
{
    /// <summary>Classifies <paramref name="reply"/> (its payload) on <paramref name="connection"/>; <paramref name="seq"/> is the message it answers.</summary>
    public static ReplyVerdict Check(LoadConnection connection, ReadOnlySpan<byte> reply, SizeSpec sizes, TransformKind expect, out uint seq)
    {
        var expected = connection.NextExpected;
        seq = expected;
        if (sizes.Min >= Payload.HeaderSize)
        {
            if (!Payload.TryReadHeader(reply, out var conn, out var claimed) || conn != connection.Id || !connection.IsAwaiting(claimed))
            {
                // Not a reply to anything outstanding: it is charged to the oldest message so the pipeline keeps moving.
                return ReplyVerdict.Mismatch;
            }

            seq = claimed;
        }

        if (reply.Length != sizes.SizeOf(connection.Id, seq) || !Payload.Matches(reply, connection.Id, seq, expect))
        {
            return ReplyVerdict.Mismatch;
        }

        return seq == expected ? ReplyVerdict.InOrder : ReplyVerdict.Reordered;
    }
}
