namespace EchoServers.Servers.EventLoop;

/// <summary>The server-wide <c>--max-connections</c> count, shared by all loops; touched per accept and close only.</summary>
internal sealed class ConnectionLimit(int max)
{
    private int _count;

    public int Max { get; } = max;

    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _count) <= Max)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _count);
}
