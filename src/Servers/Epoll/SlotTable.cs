namespace EchoServers.Servers.Epoll;

/// <summary>
/// The connections of one epoll loop (loop thread only): an index per connection, reused once it closes, and a
/// generation per slot. The epoll data word (the token) holds both, so an event queued for a connection closed earlier
/// in the same batch misses a slot that was reused meanwhile. Items may stay in a free slot to be reused (the event
/// loop keeps its connection objects; the transport clears them).
/// </summary>
internal sealed class SlotTable<T>
    where T : class
{
    private T?[] _items = new T?[64];
    private uint[] _generations = new uint[64];
    private bool[] _live = new bool[64];
    private int[] _free = new int[64];
    private int _freeCount;

    /// <summary>Slots ever used: iterate [0, Count) with <see cref="LiveAt"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Slots in use.</summary>
    public int Live { get; private set; }

    public static int SlotOf(ulong token) => (int)(uint)token;

    /// <summary>Takes a slot: returns its token, and in <paramref name="previous"/> what the slot held before (to reuse), if kept.</summary>
    public ulong Take(out int slot, out T? previous)
    {
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (Count == _items.Length)
            {
                var size = _items.Length * 2;
                Array.Resize(ref _items, size);
                Array.Resize(ref _generations, size);
                Array.Resize(ref _live, size);
                Array.Resize(ref _free, size);
            }

            slot = Count++;
        }

        previous = _items[slot];
        _live[slot] = true;
        Live++;
        return ((ulong)++_generations[slot] << 32) | (uint)slot;
    }

    /// <summary>Puts <paramref name="item"/> in a slot just taken.</summary>
    public void Set(int slot, T item) => _items[slot] = item;

    /// <summary>Frees the slot of <paramref name="token"/>; <paramref name="keep"/> leaves the item there for <see cref="Take"/> to hand back.</summary>
    public void Free(ulong token, bool keep)
    {
        var slot = SlotOf(token);
        _live[slot] = false;
        if (!keep)
        {
            _items[slot] = null;
        }

        _free[_freeCount++] = slot;
        Live--;
    }

    /// <summary>The live item <paramref name="token"/> names, or null when its slot was freed or reused since.</summary>
    public T? Get(ulong token)
    {
        var slot = SlotOf(token);
        return slot < Count && _live[slot] && _generations[slot] == (uint)(token >> 32) ? _items[slot] : null;
    }

    /// <summary>The item in a live slot, else null (for scans and abort-all).</summary>
    public T? LiveAt(int slot) => _live[slot] ? _items[slot] : null;
}
