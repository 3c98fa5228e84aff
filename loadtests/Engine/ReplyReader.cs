using EchoServers.Load.Measurement;
using EchoServers.Protocol.Framing;

namespace EchoServers.Load.Engine;

/// <summary>
/// Reading replies, for every engine: the framing, the byte-for-byte check of each reply against the payload its
/// message carried (<see cref="ReplyVerifier"/>), and the recording into the worker's counters and histograms. The
/// caller owns the worker for the duration (its thread, or its lock). Allocates nothing.
/// </summary>
internal static class ReplyReader
{
    /// <summary>
    /// Checks and records every complete reply in <paramref name="data"/>; returns the bytes consumed.
    /// <paramref name="broken"/> is set when the stream cannot be resynchronised (a malformed or oversized frame):
    /// the connection must end, its outstanding messages counted as mismatches.
    /// </summary>
    public static int Process(RunContext run, LoadConnection connection, ILoadWorker worker, ReadOnlySpan<byte> data, long now, out bool broken)
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
                worker.Counters.Mismatch++;
                return data.Length;
            }

            if (raw)
            {
                var size = run.Sizes.SizeOf(connection.Id, connection.NextExpected);
                if (data.Length - position < size)
                {
                    break;
                }

                Handle(run, connection, worker, data.Slice(position, size), size, now);
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

            Handle(run, connection, worker, data.Slice(position + frame.PayloadOffset, frame.PayloadLength), frame.Consumed, now);
            position += frame.Consumed;
        }

        return position;
    }

    private static void Handle(RunContext run, LoadConnection connection, ILoadWorker worker, ReadOnlySpan<byte> reply, int wireLength, long now)
    {
        var counters = worker.Counters;
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

        // A correct reply, not a completed TCP handshake, ends a run of failures: a server that accepts and then
        // refuses (its ERROR: line) must see the back-off grow.
        connection.ConsecutiveFailures = 0;
        if (connection.FirstReplyTs == 0)
        {
            connection.FirstReplyTs = now;
            worker.FirstReply.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - connection.FirstReplyFromTs)));
        }

        var latencyUs = Histograms.Clamp(RunContext.TicksToUs(now - intended));
        worker.LatencyInterval.RecordValue(latencyUs);
        if (run.IsMeasured(intended))
        {
            worker.Latency.RecordValue(latencyUs);
            worker.Service.RecordValue(Histograms.Clamp(RunContext.TicksToUs(now - sent)));
            counters.MeasuredReceived++;
            counters.MeasuredBytes += wireLength;
            connection.MeasuredReplies++;
        }
    }
}
