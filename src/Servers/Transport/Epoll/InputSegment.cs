using System.Buffers;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// One pooled block of an <see cref="EpollInput"/>, as a segment of the sequences the app reads. The tail segment
/// receives: its <see cref="ReadOnlySequenceSegment{T}.Memory"/> is the whole block while it does (the sequences the
/// app holds end at <see cref="Length"/>), and is cut to what was received when the next block is appended.
/// </summary>
internal sealed class InputSegment : ReadOnlySequenceSegment<byte>
{
    private IMemoryOwner<byte>? _block;
    private Memory<byte> _memory;

    /// <summary>Bytes received into the block.</summary>
    public int Length { get; private set; }

    /// <summary>The block's room for the next receive.</summary>
    public Memory<byte> Free => _memory[Length..];

    /// <summary>The next segment object kept for reuse (not a sequence link).</summary>
    public InputSegment? NextSpare { get; set; }

    /// <summary>Takes <paramref name="block"/>; its first byte is byte <paramref name="runningIndex"/> of the input.</summary>
    public void Start(IMemoryOwner<byte> block, long runningIndex)
    {
        _block = block;
        _memory = block.Memory;
        Memory = _memory;
        Length = 0;
        RunningIndex = runningIndex;
        Next = null;
    }

    public void Received(int bytes) => Length += bytes;

    /// <summary>No more is received here: <paramref name="next"/> follows.</summary>
    public void Seal(InputSegment next)
    {
        Memory = _memory[..Length];
        Next = next;
    }

    /// <summary>Gives the block back to its pool.</summary>
    public void Release()
    {
        _block?.Dispose();
        _block = null;
        _memory = default;
        Memory = default;
        Next = null;
    }
}
