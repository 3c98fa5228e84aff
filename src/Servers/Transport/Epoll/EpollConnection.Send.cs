using System.Runtime.InteropServices;
using EchoServers.Linux;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Transport.Epoll;

/// <summary>
/// Sending: the output pipe's reader runs on the loop (its scheduler is the loop's), so the app's flush on the loop
/// thread sends in the same call; a flush from another thread is queued to the loop. send until the buffer is out;
/// only on EAGAIN or a partial send is EPOLLOUT asked for, and dropped again once it fired.
/// </summary>
internal sealed partial class EpollConnection
{
    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        Exception? appError = null;
        var failed = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                if (_isClosed || Volatile.Read(ref _abortRequested) is not null)
                {
                    break;
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var offset = 0;
                    while (offset < segment.Length)
                    {
                        var n = Send(segment, offset);
                        if (n > 0)
                        {
                            offset += (int)n;
                            continue;
                        }

                        var errno = (int)-n;
                        if (errno == Errno.EAGAIN)
                        {
                            // The socket buffer is full (the peer reads slower than we write): wait for EPOLLOUT.
                            SetInterest(_interest | LinuxConstants.EpollOut);
                            if (!await _writable.WaitAsync() || _isClosed)
                            {
                                goto Done;
                            }
                        }
                        else if (errno != Errno.EINTR)
                        {
                            failed = true;
                            PeerGone(errno, "send");
                            goto Done;
                        }
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // The app completed its output with an error: reset rather than end the stream as if it were whole.
            appError = ex;
        }

    Done:
        if (Volatile.Read(ref _abortRequested) is { } abort)
        {
            _sendDone = true;
            reader.Complete(abort);
            AbortOnLoop(abort);
            return;
        }

        if (!_isClosed && !failed && appError is null)
        {
            // Graceful end: FIN after the last reply; the descriptor closes once the peer's input is done too.
            LibC.Shutdown(_fd, LinuxConstants.ShutWr);
        }

        _sendDone = true;
        reader.Complete(_abortReason ?? appError);
        if (appError is not null)
        {
            AbortOnLoop(new ConnectionAbortedException("the application failed", appError));
        }
        else
        {
            TryClose();
        }
    }

    /// <summary>One send of <c>segment[offset..]</c>: bytes taken, or −errno.</summary>
    private unsafe nint Send(ReadOnlyMemory<byte> segment, int offset)
    {
        var span = segment.Span[offset..];
        fixed (byte* p = span)
        {
            var n = LibC.Send(_fd, p, (nuint)span.Length, LinuxConstants.MsgNoSignal);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }
}
