using EchoServers.Load.Measurement;
using EchoServers.Protocol.Framing;

namespace EchoServers.Load.Engine.Tls;

/// <summary>
/// The TLS engine's reading of replies: the same framing, the same <see cref="ReplyVerifier"/> and the same
/// recording as the epoll loops (<c>IoLoop.ProcessReplies</c>/<c>HandleReply</c>), into a <see cref="TlsShard"/>
/// under its lock. Every reply is checked byte for byte against the payload its message carried.
/// </summary>
internal static class TlsReplies
{
    /// <summary>
    /// Checks and records every complete reply in <paramref name="data"/> (the caller holds the shard's lock); returns
    /// the bytes consumed. <paramref name="broken"/> is set when the stream cannot be resynchronised (a malformed or
    /// oversized frame): the connection must end, its outstanding messages counted as mismatches.
    /// </summary>
    public static int Process(RunContext run, LoadConnection connection, TlsShard shard, ReadOnlySpan<byte> data, long now, out bool broken)
    {
        broken = false;
        var framer = run.Framer;
        var position = 0;
        var raw = framer.Framing == FramingKind.Raw;
        while (position < data.Length)
        {
            if (connection.Outstanding == 0)
            {
                // Bytes nobody asked for: the server invented or duplicated a reply.
                shard.Counters.Mismatch++;
                return data.Length;
            }

            if (raw)
            {
                var size = run.Sizes.SizeOf(connection.Id, connection.NextExpected);
                if (data.Length - position < size)
                {
                    break;
                }

                Handle(run, connection, shard, data.Slice(position, size), size, now);
                position += size;
                continue;
            }

            var status = framer.TryParse(data[position..], out var frame, out _);
            if (status == FrameStatus.Incomplete)
            {
                break;
            }

            if (status != FrameStatus.Complete)
            {
                broken = true;
                return data.Length;
            }

            Handle(run, connection, shard, data.Slice(position + frame.PayloadOffset, frame.PayloadLength), frame.Consumed, now);
            position += frame.Consumed;
        }

        return position;
    }

    private static void Handle(RunContext run, LoadConnection connection, TlsShard shard, ReadOnlySpan<byte> reply, int wireLength, long now)
    {
        var counters = shard.Counters;
        var verdict = ReplyVerifier.Check(connection, reply, run.Sizes, run.Expect, out var seq);
        connection.RepliesOnConnection++;
        if (verdict == ReplyVerdict.Mismatch)
        {
            counters.Mismatch++;
            connection.Complete(seq);
            return;
        }

        if (verdict == ReplyVerdict.Reordered)
        {
            counters.Reorder++;
        }

        var intended = connection.IntendedOf(seq);
        var sent = connection.SentOf(seq);
        connection.Complete(seq);
        counters.Received++;
        connection.ConsecutiveFailures = 0;
        if (connection.FirstReplyTs == 0)
        {
            connection.FirstReplyTs = now;
            shard.FirstReply.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - connection.FirstReplyFromTs)));
        }

        shard.LatencyInterval.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - intended)));
        if (run.IsMeasured(intended))
        {
            shard.Latency.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - intended)));
            shard.Service.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - sent)));
            counters.MeasuredReceived++;
            counters.MeasuredBytes += wireLength;
            connection.MeasuredReplies++;
        }
    }
}
