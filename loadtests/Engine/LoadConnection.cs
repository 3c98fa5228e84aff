using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Protocol.Framing;

namespace EchoServers.Load.Engine;

/// <summary>
/// One client connection: a ring of per-message timestamps indexed by sequence number, the send side and the
/// receive side, both driven by its I/O thread (the closed model sends on replies, the open model when due).
/// Nothing here allocates per message: payloads are generated into the worker's buffer and replies are checked in
/// place.
/// </summary>
internal sealed class LoadConnection
{
    private readonly long[] _intended;
    private readonly long[] _sent;
    private readonly int _mask;
    private readonly byte[] _carry;
    private int _carryLength;
    private byte[]? _pending;
    private PendingBuffers? _pendingBuffers;
    private int _pendingStart;
    private int _pendingEnd;

    // Written by the sender, read by the receiver (open model: another thread).
    private uint _nextSeq;

    // Written by the receiver, read by the sender.
    private uint _nextExpected;

    public LoadConnection(int index, int fd, int window, int carrySize)
    {
        Index = index;
        Id = (uint)index;
        Fd = fd;
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(window, 2));
        _intended = new long[size];
        _sent = new long[size];
        _mask = size - 1;
        _carry = new byte[carrySize];
    }

    public int Index { get; }

    /// <summary>Where the pending output's buffer is rented from (its worker's); null = allocated and kept (tests).</summary>
    public PendingBuffers? PendingBuffers
    {
        get => _pendingBuffers;
        set => _pendingBuffers = value;
    }

    /// <summary>Position in its I/O loop (the epoll user data).</summary>
    public int Slot { get; set; }

    public uint Id { get; }

    /// <summary>
    /// The current descriptor, owned by the connection's I/O thread once handed over (it closes it); -1 while closed
    /// (churn: waiting to reconnect) and in tests of the bookkeeping.
    /// </summary>
    public int Fd { get; set; }

    /// <summary>Churn: a non-blocking connect of this slot is in progress (its I/O thread waits for EPOLLOUT).</summary>
    public bool Connecting;

    /// <summary>Churn (<c>--reconnect</c>): when to reopen this failed slot; 0 = no reopen pending.</summary>
    public long RetryAtTs;

    /// <summary>Churn: failures in a row of this slot (doubles its back-off).</summary>
    public int ConsecutiveFailures;

    /// <summary>Churn: messages sent on the current connection of this slot.</summary>
    public int SentOnConnection;

    /// <summary>Churn: correct replies received on the current connection of this slot.</summary>
    public int RepliesOnConnection;

    /// <summary>Churn (<c>--connection-lifetime</c>): no new message after this; closed once its replies are in. 0 = never.</summary>
    public long RetireAtTs;

    /// <summary>Messages that may be outstanding at once.</summary>
    public int Window => _mask + 1;

    /// <summary>
    /// Set once the connection failed (reset, eof, timeout) or, with churn, while the slot is closed or connecting:
    /// the sender skips it. Without churn nothing reopens it.
    /// </summary>
    public volatile bool Dead;

    /// <summary>Replies to measured messages: a connection with any is "served"; the counts give the fairness.</summary>
    public long MeasuredReplies;

    /// <summary>When its connect began (Stopwatch timestamp).</summary>
    public long ConnectStartTs;

    /// <summary>
    /// Where its time to first reply runs from: the connect start, or (<c>--start together</c>) the load start when
    /// that is later, since the connection was not allowed to talk before.
    /// </summary>
    public long FirstReplyFromTs;

    /// <summary>When it was established; one established after the measured window had no share to get.</summary>
    public long EstablishedTs;

    /// <summary>When its first correct reply arrived; 0 = none yet (written by its I/O thread only).</summary>
    public long FirstReplyTs;

    /// <summary>Immediate start: its I/O thread has seen it and started it (sent its first messages).</summary>
    public bool Started;

    /// <summary>Whether EPOLLOUT is registered (closed model, pending output).</summary>
    public bool WaitingToWrite;

    /// <summary>Open model: queued on its loop's list of connections to write.</summary>
    public bool Dirty;

    /// <summary>Open model: the first queued message whose send time is not yet stamped.</summary>
    public uint FirstUnstamped;

    public uint NextSeq => Volatile.Read(ref _nextSeq);

    public uint NextExpected => Volatile.Read(ref _nextExpected);

    /// <summary>Messages sent (or queued) without a reply yet, counting replies received out of order.</summary>
    public int Outstanding => (int)(NextSeq - NextExpected);

    public bool HasPending => _pendingEnd > _pendingStart;

    public Span<byte> Carry => _carry.AsSpan(0, _carryLength);

    public int CarryCapacity => _carry.Length;

    /// <summary>
    /// Churn: forgets what the old connection of this slot had in flight (already counted as lost), its partial read
    /// and its unsent output, so the next connection starts clean. Sequence numbers go on (payloads stay unique).
    /// </summary>
    public void ResetForNewConnection()
    {
        var end = _nextSeq;
        for (var seq = _nextExpected; seq != end; seq++)
        {
            _intended[seq & _mask] = 0;
        }

        Volatile.Write(ref _nextExpected, end);
        FirstUnstamped = end;
        _carryLength = 0;
        _pendingStart = _pendingEnd = 0;
        ReleasePending();
        WaitingToWrite = false;
        SentOnConnection = 0;
        RepliesOnConnection = 0;
        RetireAtTs = 0;
    }

    /// <summary>Claims the next sequence number for a message due at <paramref name="intendedTs"/> and publishes it.</summary>
    public uint Claim(long intendedTs, long sentTs)
    {
        var seq = _nextSeq;
        _intended[seq & _mask] = intendedTs;
        _sent[seq & _mask] = sentTs;
        Volatile.Write(ref _nextSeq, seq + 1);
        return seq;
    }

    /// <summary>Records when message <paramref name="seq"/> was actually written (open model).</summary>
    public void SetSent(uint seq, long sentTs) => _sent[seq & _mask] = sentTs;

    public long IntendedOf(uint seq) => _intended[seq & _mask];

    public long SentOf(uint seq) => _sent[seq & _mask];

    /// <summary>Whether <paramref name="seq"/> is sent and still waiting for its reply.</summary>
    public bool IsAwaiting(uint seq) => seq - _nextExpected < _nextSeq - _nextExpected && _intended[seq & _mask] != 0;

    /// <summary>Marks <paramref name="seq"/> answered; advances past every answered message at the head.</summary>
    public void Complete(uint seq)
    {
        _intended[seq & _mask] = 0;
        var head = _nextExpected;
        var end = Volatile.Read(ref _nextSeq);
        while (head != end && _intended[head & _mask] == 0)
        {
            head++;
        }

        Volatile.Write(ref _nextExpected, head);
    }

    /// <summary>Keeps the unparsed tail of a read for the next one.</summary>
    public void SetCarry(ReadOnlySpan<byte> rest)
    {
        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }

    /// <summary>Appends bytes that could not be written yet (closed model, under backpressure).</summary>
    public void AppendPending(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(PendingTail(bytes.Length));
        _pendingEnd += bytes.Length;
    }

    /// <summary>
    /// Room for <paramref name="size"/> more bytes at the end of the pending output: compacts first, grows (doubling)
    /// only when the live bytes do not fit, so the steady state allocates nothing.
    /// </summary>
    private Span<byte> PendingTail(int size)
    {
        if (_pending is null || _pendingEnd + size > _pending.Length)
        {
            var live = _pendingEnd - _pendingStart;
            var buffer = _pending is not null && live + size <= _pending.Length
                ? _pending
                : _pending is null && size <= PendingBuffers.Size && _pendingBuffers is not null
                    ? _pendingBuffers.Rent()
                    : new byte[Math.Max(PendingBuffers.Size, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(live + size)))];
            _pending?.AsSpan(_pendingStart, live).CopyTo(buffer);
            if (_pending is not null && buffer != _pending)
            {
                _pendingBuffers?.Return(_pending);
            }

            _pending = buffer;
            _pendingStart = 0;
            _pendingEnd = live;
        }

        return _pending.AsSpan(_pendingEnd, size);
    }

    /// <summary>Bytes waiting to be written.</summary>
    public int PendingLength => _pendingEnd - _pendingStart;

    /// <summary>Size of the pending buffer (tests check it stops growing).</summary>
    public int PendingCapacity => _pending?.Length ?? 0;

    /// <summary>Removes <paramref name="count"/> pending bytes as a send would (tests, without a socket).</summary>
    internal byte[] TakePendingForTest(int count)
    {
        var taken = _pending.AsSpan(_pendingStart, count).ToArray();
        _pendingStart += count;
        if (_pendingStart == _pendingEnd)
        {
            _pendingStart = _pendingEnd = 0;
        }

        return taken;
    }

    /// <summary>Writes as much pending output as the socket takes. Returns false when the connection broke.</summary>
    public unsafe bool TryFlushPending(out int errno)
    {
        errno = 0;
        while (_pendingEnd > _pendingStart)
        {
            nint n;
            fixed (byte* p = &_pending![_pendingStart])
            {
                n = LibC.Send(Fd, p, (nuint)(_pendingEnd - _pendingStart), LinuxConstants.MsgNoSignal | LinuxConstants.MsgDontWait);
            }

            if (n < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN)
                {
                    errno = 0;
                    return true;
                }

                if (errno == Errno.EINTR)
                {
                    continue;
                }

                return false;
            }

            _pendingStart += (int)n;
        }

        _pendingStart = _pendingEnd = 0;
        ReleasePending();
        return true;
    }

    /// <summary>Gives the empty pending buffer back to the worker (kept when there is no worker's to give it to).</summary>
    private void ReleasePending()
    {
        if (_pending is not null && _pendingBuffers is not null)
        {
            _pendingBuffers.Return(_pending);
            _pending = null;
        }
    }

    /// <summary>Writes a message's wire bytes (header, payload, trailer) into <paramref name="destination"/>; returns the length.</summary>
    public static int WriteMessage(SpanFramer framer, Span<byte> destination, uint conn, uint seq, int size)
    {
        var written = framer.WriteHeader(size, destination);
        Payload.Write(destination.Slice(written, size), conn, seq);
        written += size;
        return written + framer.WriteTrailer(destination[written..]);
    }
}
