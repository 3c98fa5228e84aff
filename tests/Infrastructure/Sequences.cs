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

    /// <summary>Linked segments over <paramref name="memories"/>, for sequences that grow a segment at a time (<see cref="FirstSegments"/>).</summary>
    public static ReadOnlySequenceSegment<byte>[] Chain(ReadOnlyMemory<byte>[] memories)
    {
        var chain = new ReadOnlySequenceSegment<byte>[memories.Length];
        Segment? last = null;
        for (var i = 0; i < memories.Length; i++)
        {
            last = last is null ? new Segment(memories[i], 0) : last.Append(memories[i]);
            chain[i] = last;
        }

        return chain;
    }

    /// <summary>The sequence over the first <paramref name="count"/> segments of <paramref name="chain"/>.</summary>
    public static ReadOnlySequence<byte> FirstSegments(ReadOnlySequenceSegment<byte>[] chain, int count) =>
        new(chain[0], 0, chain[count - 1], chain[count - 1].Memory.Length);

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
