using System.Buffers;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Fixed-size, pinned blocks for the transport's pipes, reused whole (the block object too), like Kestrel's
/// PinnedBlockMemoryPool. <see cref="MemoryPool{T}.Shared"/> would do for the memory, but it wraps every rent in a
/// new owner object: one allocation per pipe segment, so one per message when every recv takes a fresh segment.
/// Pinned, so a recv or send into a block never pins it again. Blocks are never freed: the pool holds the high
/// water mark of blocks in use, which the pipes' pause thresholds bound per connection.
/// <para>
/// Last in, first out: a recv takes the block the previous message just gave back, still in the cache. A queue
/// would hand out the block used longest ago: with 1,000 connections that cycles through megabytes of memory the
/// kernel then copies into cold, which showed as the async model's cost per message growing with connections.
/// </para>
/// </summary>
internal sealed class BlockMemoryPool(int blockSize) : MemoryPool<byte>
{
    // A lock, not ConcurrentStack (a node per push): rents and returns are nearly all on one loop thread.
    private readonly Lock _sync = new();
    private readonly Stack<Block> _free = new();

    public override int MaxBufferSize => blockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockSize);
        lock (_sync)
        {
            if (_free.TryPop(out var block))
            {
                return block;
            }
        }

        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        // Blocks may still be in pipes; the GC takes them with the pool.
    }

    private void Return(Block block)
    {
        lock (_sync)
        {
            _free.Push(block);
        }
    }

    private sealed class Block(BlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() => pool.Return(this);
    }
}
