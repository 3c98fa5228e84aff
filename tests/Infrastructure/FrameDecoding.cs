using System.Buffers;
using EchoServers.Protocol.Framing;

namespace EchoServers.Tests.Infrastructure;

/// <summary>Decodes whole streams the two ways the servers do: a growing contiguous buffer, and a pipe's sequence.</summary>
public static class FrameDecoding
{
    /// <summary>Feeds <paramref name="chunks"/> one after another into a growing buffer, as a blocking server's receive loop does.</summary>
    public static List<byte[]> WithSpanFramer(SpanFramer framer, IEnumerable<byte[]> chunks)
    {
        var frames = new List<byte[]>();
        var pending = new List<byte>();
        foreach (var chunk in chunks)
        {
            pending.AddRange(chunk);
            var buffer = pending.ToArray();
            var offset = 0;
            while (true)
            {
                var status = framer.TryParse(buffer.AsSpan(offset), out var frame, out _);
                if (status != FrameStatus.Complete)
                {
                    Assert.Equal(FrameStatus.Incomplete, status);
                    break;
                }

                frames.Add(buffer.AsSpan(offset + frame.PayloadOffset, frame.PayloadLength).ToArray());
                offset += frame.Consumed;
            }

            pending.RemoveRange(0, offset);
        }

        Assert.Empty(pending);
        return frames;
    }

    /// <summary>Parses every frame of <paramref name="input"/> with the pipeline reader; returns frames and what was left.</summary>
    public static (List<byte[]> Frames, long Remaining) WithFrameReader(FrameReader reader, ReadOnlySequence<byte> input)
    {
        var frames = new List<byte[]>();
        var remaining = input;
        var consumed = remaining.Start;
        var examined = remaining.End;
        while (reader.TryParseMessage(remaining, ref consumed, ref examined, out var message))
        {
            frames.Add(message.ToArray());
            remaining = remaining.Slice(consumed);
            consumed = remaining.Start;
        }

        return (frames, remaining.Length);
    }
}
