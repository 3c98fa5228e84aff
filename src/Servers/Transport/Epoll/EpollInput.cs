using System.Buffers;
using System.IO.Pipelines;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// The app's input of an <see cref="EpollConnection"/>: a <see cref="PipeReader"/> over the blocks the loop receives
/// into, with no pipe between. The loop's recv goes straight into the tail block and, when a read waits, completes it
/// with what arrived: inline on the loop thread when nothing is simulated, so the session parses, replies and flushes
/// before the loop's call returns. Consumed blocks go back to the pool at once: an idle connection holds none.
/// Backpressure as the input pipe had it: at <see cref="_pause"/> unconsumed bytes the loop stops reading and resumes
/// once the app has consumed below <see cref="_resume"/>. Pipe semantics otherwise: a read returns everything
/// unconsumed, waits while all of it has been examined, returns cancelled after <see cref="CancelPendingRead"/>,
/// completed after the peer's FIN, and throws the error after a reset or an abort.
/// <para>
/// Threads: the loop calls <see cref="GetReceiveMemory"/>, <see cref="Received"/>, <see cref="Pause"/> and
/// <see cref="ReceiveEnded"/>; the app calls the reader's members, on the loop thread or (<c>--work</c>, TLS) any
/// other. The blocks and counters are shared and guarded by <see cref="_sync"/>, never held across a system call or a
/// continuation; the tail block's room is written by the loop's recv outside it, which is why a block being received
/// into is never given back (<see cref="_receiving"/>).
/// </para>
/// </summary>
internal sealed class EpollInput : PipeReader
{
    private readonly EpollConnection _connection;
    private readonly MemoryPool<byte> _pool;
    private readonly int _receiveHint;
    private readonly long _pause;
    private readonly long _resume;
    private readonly Lock _sync = new();
    private readonly PendingOperation<ReadResult> _waiting;
    private InputSegment? _head;
    private int _headOffset;
    private InputSegment? _tail;
    private InputSegment? _spare;
    private long _received;
    private long _consumed;
    private long _examined;
    private bool _receiving;
    private bool _reading;
    private bool _paused;
    private bool _cancelNext;
    private bool _ended;
    private Exception? _endError;
    private volatile bool _readerCompleted;
    private CancellationToken _waitToken;

    public EpollInput(EpollConnection connection, EpollTransportOptions options)
    {
        _connection = connection;
        _pool = options.Pool;
        _receiveHint = Math.Max(1, Math.Min(options.SegmentSize, options.Pool.MaxBufferSize) / 2);
        _pause = options.InputPause;
        _resume = options.InputResume;
        _waiting = new PendingOperation<ReadResult>(options.AppScheduler);
        // The segment every message uses, allocated with the rest of the connection: next to it in memory, not
        // wherever the heap was at the first recv (one cache miss less per message with many connections).
        _spare = new InputSegment();
    }

    /// <summary>Any thread: the app completed its reader; the loop stops receiving for it.</summary>
    public bool IsReaderCompleted => _readerCompleted;

    /// <summary>Loop thread: the room for one recv (the tail block's, or a new block's); <see cref="Received"/> follows.</summary>
    public Memory<byte> GetReceiveMemory()
    {
        lock (_sync)
        {
            _receiving = true;
            if (_tail is null)
            {
                _head = _tail = NewSegment();
                _headOffset = 0;
            }
            else if (_tail.Free.Length < _receiveHint)
            {
                var next = NewSegment();
                _tail.Seal(next);
                _tail = next;
            }

            return _tail.Free;
        }
    }

    /// <summary>Loop thread: the recv took <paramref name="bytes"/> (0: none); a waiting read returns with them.</summary>
    public void Received(int bytes)
    {
        bool wake;
        lock (_sync)
        {
            _receiving = false;
            if (_readerCompleted)
            {
                // Nobody reads any more: what arrived is dropped.
                ReleaseAll();
                return;
            }

            if (bytes == 0)
            {
                ReleaseIfConsumed();
                return;
            }

            _tail!.Received(bytes);
            _received += bytes;
            wake = _waiting.IsWaiting && _waiting.TryEnd(TakeResult(canceled: false));
        }

        if (wake)
        {
            _waiting.Resume();
        }
    }

    /// <summary>
    /// Loop thread, after <see cref="Received"/>: whether to stop reading, with <see cref="_pause"/> bytes unconsumed.
    /// Decided after the app had its chance to consume them; consuming below the resume mark asks the loop to read again.
    /// </summary>
    public bool Pause()
    {
        // The reader only ever consumes, so with a stale _consumed the unconsumed bytes are overestimated: below the
        // mark here is below it for sure, and the usual message costs no second lock section. _paused is already false
        // (the loop reads only while it is).
        if (_received - Volatile.Read(ref _consumed) < _pause)
        {
            return false;
        }

        lock (_sync)
        {
            _paused = !_readerCompleted && _received - _consumed >= _pause;
            return _paused;
        }
    }

    /// <summary>Loop thread: no more input: the peer's FIN (<paramref name="error"/> null: reads return completed) or a reset, an abort (reads throw it).</summary>
    public void ReceiveEnded(Exception? error)
    {
        bool wake;
        lock (_sync)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            _endError = error;
            _receiving = false;
            wake = _waiting.IsWaiting &&
                (error is null ? _waiting.TryEnd(TakeResult(canceled: false)) : _waiting.TryEnd(default, error));
        }

        if (wake)
        {
            _waiting.Resume();
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        lock (_sync)
        {
            ThrowIfCannotRead();
            if (_endError is { } error)
            {
                return ValueTask.FromException<ReadResult>(error);
            }

            if (_cancelNext || _ended || _received > _examined)
            {
                return new ValueTask<ReadResult>(TakeResult(canceled: TakeCancel()));
            }

            // Everything here has been examined: wait for more (Received), the end, or a cancel.
            _waitToken = cancellationToken;
            return _waiting.Start(static state => ((EpollInput)state!).CancelWait(), this, cancellationToken);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            ThrowIfCannotRead();
            if (_endError is { } error)
            {
                throw error;
            }

            if (_cancelNext || _ended || _received > _consumed)
            {
                result = TakeResult(canceled: TakeCancel());
                return true;
            }

            result = default;
            return false;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool resume;
        lock (_sync)
        {
            if (!_reading)
            {
                throw new InvalidOperationException("AdvanceTo without a read to advance: read first.");
            }

            var consumedAt = Offset(consumed);
            var examinedAt = Offset(examined);
            if (consumedAt < _consumed || consumedAt > examinedAt || examinedAt > _received)
            {
                throw new ArgumentOutOfRangeException(nameof(consumed), "The positions are not within the last read's buffer, or consumed is past examined.");
            }

            _reading = false;
            _consumed = consumedAt;
            _examined = examinedAt;
            while (_head != _tail && _head!.RunningIndex + _head.Length <= consumedAt)
            {
                var next = (InputSegment)_head.Next!;
                Recycle(_head);
                _head = next;
            }

            if (_head is not null)
            {
                _headOffset = (int)(consumedAt - _head.RunningIndex);
            }

            ReleaseIfConsumed();
            resume = _paused && _received - _consumed < _resume;
            _paused &= !resume;
        }

        if (resume)
        {
            _connection.ResumeReceiving();
        }
    }

    public override void CancelPendingRead()
    {
        bool wake;
        lock (_sync)
        {
            wake = _waiting.IsWaiting && _waiting.TryEnd(TakeResult(canceled: true));
            // Pipe semantics: with no read waiting, the next one returns cancelled.
            _cancelNext = !wake;
        }

        if (wake)
        {
            _waiting.Resume();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        bool resume;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            _reading = false;
            if (_receiving)
            {
                // The loop is receiving into the tail: Received gives it back.
                while (_head != _tail)
                {
                    var next = (InputSegment)_head!.Next!;
                    Recycle(_head);
                    _head = next;
                }
            }
            else
            {
                ReleaseAll();
            }

            // A paused loop would never look again: wake it so it abandons the input.
            resume = _paused;
            _paused = false;
        }

        if (resume)
        {
            _connection.ResumeReceiving();
        }
    }

    /// <summary>Under the lock: the next read's result over everything unconsumed; a read is then in progress.</summary>
    private ReadResult TakeResult(bool canceled)
    {
        _reading = true;
        var buffer = _head is null
            ? ReadOnlySequence<byte>.Empty
            : new ReadOnlySequence<byte>(_head, _headOffset, _tail!, _tail!.Length);
        return new ReadResult(buffer, canceled, _ended);
    }

    private bool TakeCancel()
    {
        var canceled = _cancelNext;
        _cancelNext = false;
        return canceled;
    }

    private void ThrowIfCannotRead()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }

        if (_reading || _waiting.IsWaiting)
        {
            throw new InvalidOperationException("A read is already in progress: AdvanceTo before reading again.");
        }
    }

    /// <summary>The token of the waiting read fired: it throws <see cref="OperationCanceledException"/>.</summary>
    private void CancelWait()
    {
        bool wake;
        lock (_sync)
        {
            wake = _waiting.TryEnd(default, new OperationCanceledException(_waitToken));
        }

        if (wake)
        {
            _waiting.Resume();
        }
    }

    /// <summary>A position of the last read's buffer as an offset from the start of the input.</summary>
    private long Offset(SequencePosition position) =>
        position.GetObject() is InputSegment segment ? segment.RunningIndex + position.GetInteger() : _consumed;

    private InputSegment NewSegment()
    {
        var segment = _spare ?? new InputSegment();
        _spare = segment.NextSpare;
        segment.NextSpare = null;
        segment.Start(_pool.Rent(_pool.MaxBufferSize), _received);
        return segment;
    }

    /// <summary>Under the lock: all consumed, no read holding the buffer, no recv into it: the last block goes back too.</summary>
    private void ReleaseIfConsumed()
    {
        if (_received == _consumed && !_receiving && !_reading)
        {
            ReleaseAll();
        }
    }

    private void ReleaseAll()
    {
        while (_head is not null)
        {
            var next = _head == _tail ? null : (InputSegment)_head.Next!;
            Recycle(_head);
            _head = next;
        }

        _tail = null;
        _headOffset = 0;
    }

    private void Recycle(InputSegment segment)
    {
        segment.Release();
        segment.NextSpare = _spare;
        _spare = segment;
    }
}
