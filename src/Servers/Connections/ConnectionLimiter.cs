namespace EchoServers.Servers.Connections;

/// <summary>
/// <c>--max-connections</c>: a lock-free count of the connections being served, shared by every model. A connection
/// that cannot take a slot is refused at once (see <see cref="ConnectionRefuser"/>) and counted as rejected.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly int _max;
    private int _count;

    /// <summary>Creates a limiter allowing <paramref name="max"/> connections at once.</summary>
    public ConnectionLimiter(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        _max = max;
    }

    /// <summary>The limit.</summary>
    public int Max => _max;

    /// <summary>Connections holding a slot now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a slot; false when all are taken.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            if (current >= _max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _count, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Gives a slot back.</summary>
    public void Release() => Interlocked.Decrement(ref _count);
}
