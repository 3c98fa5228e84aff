namespace EchoServers.Load.Engine;

/// <summary>
/// The buffers for output a connection could not write at once (a full socket buffer, or the open model's messages
/// queued within one pass of its worker), lent by the worker to a connection while it has such output and taken back
/// once it is written. A connection that writes everything at once (the steady state) holds none, so memory follows
/// the connections with output waiting, not the connections open: at 60,000 connections a buffer each would be
/// 240 MB allocated as the load starts, gen0 collections and their pauses in the measured window.
/// One per worker thread; not thread-safe.
/// </summary>
internal sealed class PendingBuffers
{
    /// <summary>The size lent; a connection that needs more grows its own and keeps it.</summary>
    public const int Size = 4096;

    private readonly Stack<byte[]> _free = new();

    /// <summary>Buffers made so far (the peak of connections with output waiting).</summary>
    public int Created { get; private set; }

    public byte[] Rent()
    {
        if (_free.TryPop(out var buffer))
        {
            return buffer;
        }

        Created++;
        return new byte[Size];
    }

    /// <summary>Takes back a buffer of <see cref="Size"/>; a grown one stays with its connection's garbage.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length == Size)
        {
            _free.Push(buffer);
        }
    }
}
