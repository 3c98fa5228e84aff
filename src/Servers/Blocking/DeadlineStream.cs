namespace EchoServers.Servers.Blocking;

/// <summary>
/// The stream SslStream runs over in the blocking models: a socket whose every receive is bounded by the session's
/// <see cref="ReceiveDeadline"/>, so the idle and frame timeouts hold while a record is assembled beneath the session,
/// and every send by the <see cref="SendDeadline"/>, so a peer that takes no records is cut off by the send timeout.
/// Synchronous only (the connection owns its thread); the async methods complete synchronously.
/// </summary>
internal sealed class DeadlineStream : Stream
{
    private readonly ReceiveDeadline _deadline;
    private readonly SendDeadline _sendDeadline;

    public DeadlineStream(ReceiveDeadline deadline, SendDeadline sendDeadline)
    {
        _deadline = deadline;
        _sendDeadline = sendDeadline;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _deadline.Receive(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => _deadline.Receive(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_deadline.Receive(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(_deadline.Receive(buffer.AsSpan(offset, count)));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => _sendDeadline.Send(buffer);

    // SslStream's shutdown (close_notify) writes through the async path: on this connection's thread, synchronously.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
