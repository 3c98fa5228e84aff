namespace EchoServers.Servers.EventLoop;

/// <summary>
/// One accepted socket's state, owned by one loop thread (no locks). Objects live in the loop's slot table and are
/// reused for later connections, so accepting allocates nothing once the table has grown.
/// A connection without pending output and without a partial frame holds no buffer at all: reads go into the loop's
/// shared buffer and are written straight back, as in the C reference. Only when a write is partial, a frame is split
/// across reads, or a reply is deferred (io work) does it rent <see cref="Buffer"/>, which holds the pending output
/// at [<see cref="OutStart"/>, <see cref="OutEnd"/>) followed by the partial frame at [<see cref="InStart"/>,
/// <see cref="InEnd"/>).
/// </summary>
internal sealed class Connection
{
    /// <summary>The epoll data word: its slot in the loop's table and that slot's generation, so a stale event for an earlier occupant is ignored.</summary>
    public ulong Token { get; private set; }

    public int Fd { get; private set; } = -1;

    /// <summary>The events currently registered with epoll (to skip redundant epoll_ctl calls).</summary>
    public uint Interest { get; set; }

    public byte[]? Buffer { get; set; }

    public int OutStart { get; set; }

    public int OutEnd { get; set; }

    public int InStart { get; set; }

    public int InEnd { get; set; }

    /// <summary>Stopwatch timestamp of the last read that returned data (idle timeout).</summary>
    public long LastActivity { get; set; }

    /// <summary>Stopwatch timestamp of the read that left an incomplete frame behind (frame timeout); 0 = none pending.</summary>
    public long FrameStartedAt { get; set; }

    /// <summary>The peer sent FIN: once the pending output is written, shut down and close.</summary>
    public bool PeerClosed { get; set; }

    /// <summary>The server decided to close (protocol error, stop): once the pending output is written, shut down.</summary>
    public bool CloseAfterFlush { get; set; }

    /// <summary>Write side shut down after a protocol error; reading and discarding until the peer's FIN or <see cref="LingerDeadline"/>.</summary>
    public bool Lingering { get; set; }

    public long LingerDeadline { get; set; }

    /// <summary>Replies held back until <see cref="DeferredUntil"/> (simulated io work); not reading meanwhile.</summary>
    public bool Deferred { get; set; }

    public long DeferredUntil { get; set; }

    /// <summary>Since when replies have waited with the peer taking none of them (<c>--send-timeout</c>); 0 = nothing waits.</summary>
    public long SendBlockedSince { get; set; }

    public bool IsOpen => Fd >= 0;

    public bool HasPendingOutput => OutEnd > OutStart;

    public bool HasPartialInput => InEnd > InStart;

    public void Open(int fd, ulong token, long now)
    {
        Token = token;
        Fd = fd;
        Interest = 0;
        LastActivity = now;
        FrameStartedAt = 0;
        SendBlockedSince = 0;
        OutStart = OutEnd = InStart = InEnd = 0;
        PeerClosed = CloseAfterFlush = Lingering = Deferred = false;
    }

    /// <summary>Marks the slot free; the caller has closed the descriptor and returned the buffer.</summary>
    public void Reset()
    {
        Fd = -1;
        Buffer = null;
        OutStart = OutEnd = InStart = InEnd = 0;
    }
}
