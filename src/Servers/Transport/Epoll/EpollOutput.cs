using System.Buffers;
using System.IO.Pipelines;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The app's output of an <see cref="EpollConnection"/>: a <see cref="PipeWriter"/> whose flush sends. The app
/// writes into pooled blocks; a flush hands them to the send queue and, on the loop thread (where the session runs
/// when nothing is simulated), sends them before it returns, so one echoed message is one send and no second pipe
/// or send loop is resumed. Only when the socket buffer is full (EAGAIN, or a partial send) do bytes wait in the
/// queue for EPOLLOUT; the flush itself waits only once <see cref="_pause"/> bytes are unsent, and resumes below
/// <see cref="_resume"/>: the backpressure of the output pipe it replaces. A flush from another thread (the thread
/// pool with <c>--work</c>, TLS) hands its blocks over under the lock and asks the loop to send them.
/// <para>
/// Threads: the app owns <see cref="_writing"/>; the loop owns the socket and <see cref="_sentOffset"/>; the send
/// queue, the counters and the flags are shared and guarded by <see cref="_sync"/>, never held across a system
/// call or a continuation.
/// </para>
/// <para>
/// Longer than 300 lines on purpose: the writer's half (what the app calls) and the loop's half (sending, EPOLLOUT,
/// close) share that one lock and its invariants; split over classes, each half would need the other's fields.
/// The blocks (<see cref="OutputBlocks"/>) and the waiting flush (<see cref="PendingOperation{T}"/>) are their own classes.
/// </para>
/// </summary>
internal sealed class EpollOutput : PipeWriter
{
    private readonly EpollConnection _connection;
    private readonly MemoryPool<byte> _pool;
    private readonly int _blockSize;
    private readonly long _pause;
    private readonly long _resume;
    private readonly Action<object?> _sendOnLoop;
    private readonly Lock _sync = new();
    private readonly OutputBlocks _writing = new();
    private readonly OutputBlocks _sending = new();
    private readonly PendingOperation<FlushResult> _waiting;
    private long _unflushed;
    private long _unsent;
    private int _sentOffset;
    private bool _cancelNext;
    private bool _sendPosted;
    private bool _appCompleted;
    private Exception? _appError;
    private bool _finished;
    private bool _closed;
    private Exception? _closeError;

    public EpollOutput(EpollConnection connection, EpollTransportOptions options)
    {
        _connection = connection;
        _pool = options.Pool;
        _blockSize = options.Pool.MaxBufferSize;
        _pause = options.OutputPause;
        _resume = options.OutputResume;
        _waiting = new PendingOperation<FlushResult>(options.AppScheduler);
        _sendOnLoop = static state => ((EpollOutput)state!).SendQueued();
    }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        if (!_writing.IsEmpty)
        {
            ref var tail = ref _writing.Tail;
            if (tail.Memory.Length - tail.Length >= Math.Max(sizeHint, 1))
            {
                return tail.Memory[tail.Length..];
            }
        }

        _writing.Add(sizeHint <= _blockSize ? _pool.Rent(_blockSize) : new LargeBlock(sizeHint));
        return _writing.Tail.Memory;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_writing.IsEmpty)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(bytes, 0);
            return;
        }

        ref var tail = ref _writing.Tail;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, tail.Memory.Length - tail.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        tail.Length += bytes;
        _unflushed += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool send, cancelled, closed;
        lock (_sync)
        {
            // Pipe semantics: a CancelPendingFlush with no flush waiting cancels the next one (its bytes still go).
            cancelled = _cancelNext;
            _cancelNext = false;
            closed = _closed;
            send = Hand();
        }

        var onLoop = send && _connection.IsLoopThread;
        if (send)
        {
            Send();
        }

        lock (_sync)
        {
            // Closed before the bytes were taken, or by this flush's own send failing: the output is gone. Closed by
            // the loop after another thread handed its bytes over: that flush succeeded; the next read says why.
            if (_closed && (closed || onLoop))
            {
                return Closed();
            }

            if (_closed)
            {
                return default;
            }

            if (cancelled)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            if (_unsent < _pause)
            {
                return default;
            }

            // Backpressure: the peer takes less than we write. The loop completes this below the resume mark.
            return _waiting.Start(static state => ((EpollOutput)state!).CancelPendingFlush(), this, cancellationToken);
        }
    }

    /// <summary>
    /// Write and flush. On the loop thread with nothing else waiting to go out (the usual echo), <paramref name="source"/>
    /// is sent straight from the caller's memory: no copy into a block, no queue. What the socket does not take is
    /// copied and waits for EPOLLOUT like any flushed bytes, so the caller may reuse its memory once this returns.
    /// </summary>
    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        // Unlocked reads are safe here: on the loop thread, the app is this thread, and only the loop changes the queue
        // or closes; a racing CancelPendingFlush is seen by the next flush, as with a pipe.
        if (source.IsEmpty || !_connection.IsLoopThread || _unflushed != 0 || !_sending.IsEmpty || _closed || _cancelNext ||
            _connection.AbortRequested || cancellationToken.IsCancellationRequested)
        {
            return base.WriteAsync(source, cancellationToken);
        }

        var sent = _connection.Send(source.Span);
        if (sent == source.Length)
        {
            return default;
        }

        if (_closed)
        {
            // This send found the peer gone.
            return Closed();
        }

        // The socket buffer is full (EPOLLOUT is asked for): the rest waits in the queue.
        this.Write(source.Span[(int)Math.Max(sent, 0)..]);
        return FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        lock (_sync)
        {
            if (!_waiting.TryEnd(new FlushResult(isCanceled: true, isCompleted: false)))
            {
                // Pipe semantics: the next flush returns cancelled.
                _cancelNext = true;
                return;
            }
        }

        _waiting.Resume();
    }

    public override void Complete(Exception? exception = null)
    {
        bool send;
        lock (_sync)
        {
            if (_appCompleted)
            {
                return;
            }

            _appCompleted = true;
            _appError = exception;
            send = Hand() || !_closed;
        }

        if (send)
        {
            Send();
        }
    }

    /// <summary>
    /// Loop thread: the connection closed (reset, send error, abort). Unsent bytes are dropped, a waiting flush
    /// returns completed (or throws <paramref name="error"/>, an abort), and so does every later one.
    /// </summary>
    public void OnClosed(Exception? error)
    {
        bool wake;
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _closeError = error;
            _sending.Clear();
            _unsent = 0;
            wake = _waiting.TryEnd(new FlushResult(isCanceled: false, isCompleted: true), error);
        }

        if (wake)
        {
            _waiting.Resume();
        }
    }

    /// <summary>Loop thread: EPOLLOUT (or an error) after a send returned EAGAIN: send what waits.</summary>
    public void OnWritable() => SendQueued();

    /// <summary>Under the lock: moves what the app wrote to the send queue; whether there is anything for the loop to do.</summary>
    private bool Hand()
    {
        if (_closed)
        {
            // Nobody will send it: give the memory back now.
            _writing.Clear();
            _unflushed = 0;
            return false;
        }

        _unsent += _unflushed;
        _unflushed = 0;
        _sending.TakeAll(_writing);
        return !_sending.IsEmpty;
    }

    /// <summary>Sends now on the loop thread; from any other thread asks the loop to.</summary>
    private void Send()
    {
        if (_connection.IsLoopThread)
        {
            SendQueued();
        }
        else
        {
            PostSend();
        }
    }

    /// <summary>Asks the loop to send the queue (once until it has).</summary>
    private void PostSend()
    {
        lock (_sync)
        {
            if (_sendPosted)
            {
                return;
            }

            _sendPosted = true;
        }

        _connection.Post(_sendOnLoop, this);
    }

    /// <summary>Loop thread: sends the queue until it is empty or the socket is full; then the end of the output.</summary>
    private void SendQueued()
    {
        while (true)
        {
            Memory<byte> chunk;
            lock (_sync)
            {
                _sendPosted = false;
                if (_closed || _connection.AbortRequested)
                {
                    // The abort closes the connection on the loop; nothing more goes out gracefully.
                    return;
                }

                if (_sending.IsEmpty)
                {
                    break;
                }

                ref var head = ref _sending.Head;
                chunk = head.Memory[_sentOffset..head.Length];
            }

            if (_connection.WaitingWritable && !chunk.IsEmpty)
            {
                // The socket was full at the last send: EPOLLOUT resumes this (OnWritable), a send now would fail too.
                return;
            }

            var n = chunk.IsEmpty ? 0 : _connection.Send(chunk.Span);
            if (n < 0)
            {
                // EAGAIN: EPOLLOUT was asked for; anything else closed the connection.
                return;
            }

            bool wake;
            lock (_sync)
            {
                _unsent -= n;
                _sentOffset += (int)n;
                ref var head = ref _sending.Head;
                if (_sentOffset == head.Length)
                {
                    _sending.DropHead();
                    _sentOffset = 0;
                }

                wake = _unsent < _resume && _waiting.TryEnd(default);
            }

            if (wake)
            {
                _waiting.Resume();
            }
        }

        bool finish;
        lock (_sync)
        {
            finish = _appCompleted && !_finished;
            _finished |= finish;
        }

        if (finish)
        {
            _connection.OutputDone(_appError);
        }
    }

    private ValueTask<FlushResult> Closed() =>
        _closeError is { } error
            ? ValueTask.FromException<FlushResult>(error)
            : new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));

    /// <summary>Memory for a write larger than a pool block (rare: a frame written in one piece); not pooled.</summary>
    private sealed class LargeBlock(int size) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = GC.AllocateUninitializedArray<byte>(size);

        public void Dispose()
        {
        }
    }
}
