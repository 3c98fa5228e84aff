using System.Runtime.InteropServices;
using EchoServers.Linux;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Sending, for <see cref="EpollOutput"/>: one send on the loop thread, EPOLLOUT asked for only when the socket
/// buffer is full and dropped again once it fired, and the end of the output (FIN, or a reset when the app failed).
/// </summary>
internal sealed partial class EpollConnection
{
    private bool _waitingWritable;

    /// <summary>Whether the app or the stop sequence asked for a reset: nothing more goes out gracefully.</summary>
    public bool AbortRequested => Volatile.Read(ref _abortRequested) is not null;

    public bool IsLoopThread => _loop.IsLoopThread;

    /// <summary>Loop thread: a send found the socket full and EPOLLOUT has not fired since.</summary>
    public bool WaitingWritable => _waitingWritable;

    /// <summary>Runs <paramref name="action"/> on the loop thread; any thread.</summary>
    public void Post(Action<object?> action, object? state) => _loop.Post(action, state);

    /// <summary>
    /// Loop thread: one send of <paramref name="bytes"/>; the bytes taken, or −1 when none were: the socket buffer is
    /// full (EPOLLOUT is asked for and <see cref="EpollOutput.OnWritable"/> follows) or the peer is gone (closed).
    /// </summary>
    public unsafe nint Send(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = bytes)
            {
                n = LibC.Send(_fd, p, (nuint)bytes.Length, LinuxConstants.MsgNoSignal);
            }

            if (n >= 0)
            {
                return n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (errno == Errno.EAGAIN)
            {
                // The peer reads slower than we write: wait for EPOLLOUT.
                _waitingWritable = true;
                SetInterest(_interest | LinuxConstants.EpollOut);
            }
            else
            {
                PeerGone(errno, "send");
            }

            return -1;
        }
    }

    /// <summary>
    /// Loop thread: the app completed its output and all of it is sent: FIN after the last reply (the descriptor
    /// closes once the peer's input is done too), or a reset when the app completed it with an error.
    /// </summary>
    public void OutputDone(Exception? appError)
    {
        if (_isClosed)
        {
            return;
        }

        _sendDone = true;
        if (appError is not null)
        {
            // Reset rather than end the stream as if it were whole.
            AbortOnLoop(new ConnectionAbortedException("the application failed", appError));
            return;
        }

        LibC.Shutdown(_fd, LinuxConstants.ShutWr);
        TryClose();
    }

    private void OnWritable()
    {
        _waitingWritable = false;
        SetInterest(_interest & ~LinuxConstants.EpollOut);
        _output.OnWritable();
    }
}
