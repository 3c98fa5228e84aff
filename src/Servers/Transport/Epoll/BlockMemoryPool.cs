using System.Buffers;
using System.Collections.Concurrent;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Fixed-size, pinned blocks for the transport's pipes, reused whole (the block object too), like Kestrel's
/// PinnedBlockMemoryPool. <see cref="MemoryPool{T}.Shared"/> would do for the memory, but it wraps every rent in a
/// new owner object: one allocation per pipe segment, so one per message when every recv takes a fresh segment.
/// Pinned, so a recv or send into a block never pins it again. Blocks are never freed: the pool holds the high
/// water mark of blocks in use, which the pipes' pause thresholds bound per connection.
/// </summary>
internal sealed class BlockMemoryPool(int blockSize) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();

    public override int MaxBufferSize => blockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockSize);
        return _free.TryDequeue(out var block) ? block : new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        // Blocks may still be in pipes; the GC takes them with the pool.
    }

    private sealed class Block(BlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() => pool._free.Enqueue(this);
    }
}
