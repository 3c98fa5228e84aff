using System.Buffers;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// A queue of written blocks (memory from the transport's pool and how much of it holds bytes), oldest first: what
/// the app wrote since its last flush, or what was flushed and not yet sent. A ring that grows, so moving blocks
/// between queues and taking them off allocates nothing once it has its size (usually one block).
/// Not thread-safe: its owner decides who may touch it.
/// </summary>
internal sealed class OutputBlocks
{
    private Block[] _ring = new Block[4];
    private int _head;

    public int Count { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>The oldest block's memory and how many of its bytes are written.</summary>
    public ref Block Head => ref _ring[_head];

    /// <summary>The newest block (where the app writes next).</summary>
    public ref Block Tail => ref _ring[(_head + Count - 1) % _ring.Length];

    public void Add(IMemoryOwner<byte> owner)
    {
        if (Count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + Count) % _ring.Length] = new Block(owner);
        Count++;
    }

    /// <summary>Moves every block of <paramref name="from"/> to the end of this queue.</summary>
    public void TakeAll(OutputBlocks from)
    {
        while (!from.IsEmpty)
        {
            if (Count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + Count) % _ring.Length] = from.Head;
            Count++;
            from.DropHead(release: false);
        }
    }

    /// <summary>Removes the oldest block, giving its memory back to the pool when <paramref name="release"/>.</summary>
    public void DropHead(bool release = true)
    {
        if (release)
        {
            _ring[_head].Owner.Dispose();
        }

        _ring[_head] = default;
        _head = (_head + 1) % _ring.Length;
        Count--;
    }

    /// <summary>Gives every block back to the pool.</summary>
    public void Clear()
    {
        while (!IsEmpty)
        {
            DropHead();
        }
    }

    private void Grow()
    {
        var ring = new Block[_ring.Length * 2];
        for (var i = 0; i < Count; i++)
        {
            ring[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = ring;
        _head = 0;
    }

    /// <summary>One block: its owner (given back to the pool when sent) and how many of its bytes are written.</summary>
    internal struct Block(IMemoryOwner<byte> owner)
    {
        public IMemoryOwner<byte> Owner = owner;

        public Memory<byte> Memory = owner.Memory;

        public int Length;
    }
}
