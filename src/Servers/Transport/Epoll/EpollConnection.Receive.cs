using System.Runtime.InteropServices;
using EchoServers.Linux;
using EchoServers.Servers.Connections;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Receiving: one recv per EPOLLIN, straight into the input's tail block (<see cref="EpollInput"/>), whose waiting read
/// then returns: with inline scheduling the app parses, replies and flushes before the call returns. A recv that did
/// not fill the buffer drained the socket; one that did is reported again by level-triggered epoll, so there is never
/// a speculative recv that returns EAGAIN. When the app leaves the pause mark of bytes unconsumed, EPOLLIN is dropped
/// until it has consumed below the resume mark (<see cref="ResumeReceiving"/>).
/// </summary>
internal sealed partial class EpollConnection
{
    private readonly Action<object?> _resumeOnLoop;
    private long _discarded;

    /// <summary>Any thread: the app consumed below the resume mark, or completed its input: the loop reads again, or drops the input.</summary>
    public void ResumeReceiving()
    {
        if (IsLoopThread)
        {
            OnInputResumed();
        }
        else
        {
            Post(_resumeOnLoop, this);
        }
    }

    private unsafe void OnReadable()
    {
        if (_inputAbandoned)
        {
            Discard();
            return;
        }

        if (_input.IsReaderCompleted)
        {
            AbandonInput();
            return;
        }

        var memory = _input.GetReceiveMemory();
        nint n;
        fixed (byte* p = memory.Span)
        {
            n = LibC.Recv(_fd, p, (nuint)memory.Length, 0);
        }

        _input.Received((int)Math.Max(n, 0));
        if (n > 0)
        {
            // The app has run (inline) or been scheduled: it may have finished, closed the connection, or left enough
            // unconsumed that reading stops until it catches up.
            if (_isClosed || _receiveDone)
            {
                return;
            }

            if (_input.IsReaderCompleted)
            {
                AbandonInput();
            }
            else if (_input.Pause())
            {
                SetInterest(_interest & ~LinuxConstants.EpollIn);
            }

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

    /// <summary>Loop thread: the paused input was consumed below the resume mark, or its reader completed.</summary>
    private void OnInputResumed()
    {
        if (_isClosed || _receiveDone)
        {
            return;
        }

        if (_input.IsReaderCompleted)
        {
            AbandonInput();
            return;
        }

        SetInterest(_interest | LinuxConstants.EpollIn);
    }

    /// <summary>The app completed its input: further input stays in the kernel, or is drained and dropped during the lingering close.</summary>
    private void AbandonInput()
    {
        _inputAbandoned = true;
        SetInterest(_lingering ? _interest | LinuxConstants.EpollIn : _interest & ~LinuxConstants.EpollIn);
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
        // Marked before the input ends: with inline scheduling the app finishes (and its output sends the FIN) inside
        // ReceiveEnded, and the close that follows must know the input is done.
        _receiveDone = true;
        SetInterest(_interest & ~LinuxConstants.EpollIn);
        _input.ReceiveEnded(null);
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
