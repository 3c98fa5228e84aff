using System.IO.Pipelines;
using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Receiving: one recv per EPOLLIN, straight into the input pipe's memory, then a flush that (inline scheduling)
/// runs the app's parse, reply and flush before it returns. A recv that did not fill the buffer drained the socket;
/// one that did is reported again by level-triggered epoll, so there is never a speculative recv that returns EAGAIN.
/// When the app stops consuming, the flush does not complete: EPOLLIN is dropped until it does.
/// </summary>
internal sealed partial class EpollConnection
{
    private readonly Action _onInputFlushed;
    private ValueTask<FlushResult> _pendingFlush;
    private long _discarded;

    private unsafe void OnReadable()
    {
        if (_inputAbandoned)
        {
            Discard();
            return;
        }

        var writer = _input.Writer;
        var memory = writer.GetMemory(_receiveHint);
        nint n;
        fixed (byte* p = memory.Span)
        {
            n = LibC.Recv(_fd, p, (nuint)memory.Length, 0);
        }

        if (n > 0)
        {
            writer.Advance((int)n);

            // Consumed exactly once: its result below when it completed at once, else by OnInputFlushed.
#pragma warning disable CA2012
            var flush = writer.FlushAsync();
#pragma warning restore CA2012
            if (flush.IsCompleted)
            {
                // Completed synchronously (the usual case: the app consumed it inline): its result is ready.
                var completed = flush.Result.IsCompleted;
                if (completed && !_isClosed)
                {
                    AbandonInput();
                }

                return;
            }

            // Backpressure: the app has InputPause bytes it has not consumed. Stop reading until it catches up.
            _pendingFlush = flush;
            SetInterest(_interest & ~LinuxConstants.EpollIn);
            flush.GetAwaiter().UnsafeOnCompleted(_onInputFlushed);
            return;
        }

        if (n == 0)
        {
            // Peer FIN (half-close): the app reads what is buffered, then sees the end; its replies still go out.
            ReceiveDone();
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is not (Errno.EAGAIN or Errno.EINTR))
        {
            PeerGone(errno, "recv");
        }
    }

    /// <summary>The paused flush completed (the app consumed enough, or stopped reading): on the loop thread.</summary>
    private void OnInputFlushed()
    {
        var result = _pendingFlush.GetAwaiter().GetResult();
        _pendingFlush = default;
        if (_isClosed || _receiveDone)
        {
            return;
        }

        if (result.IsCompleted)
        {
            AbandonInput();
            return;
        }

        SetInterest(_interest | LinuxConstants.EpollIn);
    }

    /// <summary>The app completed its input reader: give the pipe's memory back; leave further input in the kernel until the lingering close drains it.</summary>
    private void AbandonInput()
    {
        _input.Writer.Complete();
        _inputAbandoned = true;
        if (!_lingering)
        {
            SetInterest(_interest & ~LinuxConstants.EpollIn);
        }
    }

    private unsafe void Discard()
    {
        var scratch = _loop.Scratch;
        nint n;
        fixed (byte* p = scratch)
        {
            n = LibC.Recv(_fd, p, (nuint)scratch.Length, 0);
        }

        if (n > 0)
        {
            _discarded += n;
            if (_discarded > LingeringClose.MaxBytes)
            {
                CloseOnLoop(null, abortive: false);
            }

            return;
        }

        if (n == 0)
        {
            ReceiveDone();
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is not (Errno.EAGAIN or Errno.EINTR))
        {
            CloseOnLoop(null, abortive: false);
        }
    }

    private void ReceiveDone()
    {
        // Marked before the writer completes: with inline scheduling the app finishes (and its output sends the FIN)
        // inside Complete, and the close that follows must know the input is done.
        _receiveDone = true;
        SetInterest(_interest & ~LinuxConstants.EpollIn);
        _input.Writer.Complete();
        TryClose();
    }

    /// <summary>recv or send failed (reset, broken pipe): the app's next read throws <see cref="ConnectionResetException"/>.</summary>
    private void PeerGone(int errno, string call)
    {
        var error = Errno.IsPeerGone(errno)
            ? new ConnectionResetException($"{call}: connection reset by peer (errno {errno})", Errno.ToSocketException(errno, call))
            : (Exception)Errno.ToSocketException(errno, call);
        _receiveDone = true;
        CloseOnLoop(error, abortive: false);
    }
}
