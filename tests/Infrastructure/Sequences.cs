using System.Buffers;

namespace EchoServers.Tests.Infrastructure;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, so parsers meet frames split across segments.</summary>
public static class Sequences
{
    /// <summary>A sequence whose segments are <paramref name="data"/> cut at <paramref name="cuts"/> (sorted offsets).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < data.Length).Distinct().Order().Append(data.Length).ToArray();
        if (bounds.Length == 1)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var start = 0;
        Segment? first = null, last = null;
        foreach (var end in bounds)
        {
            var memory = data.AsMemory(start, end - start).ToArray();
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }

            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
