using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// The receive side of one I/O thread: reads a connection's replies into the thread's read buffer (after the partial
/// frame its last read left), has <see cref="ReplyReader"/> verify and record them in place, keeps the unparsed tail,
/// and tells what a read says about the connection: broken stream, planned close (churn), refusal, eof or reset.
/// In the closed model each read's replies make room for the next messages.
/// </summary>
internal sealed unsafe class LoopReceiver
{
    private readonly IoLoop _loop;
    private readonly RunContext _run;
    private readonly byte[] _readBuffer;

    public LoopReceiver(IoLoop loop)
    {
        _loop = loop;
        _run = loop.Run;
        _readBuffer = new byte[_run.CarrySize + (64 * 1024)];
    }

    public void OnReadable(LoadConnection connection, long now)
    {
        var carry = connection.Carry;
        var kept = carry.Length;
        carry.CopyTo(_readBuffer);
        nint n;
        fixed (byte* p = &_readBuffer[kept])
        {
            n = LibC.Recv(connection.Fd, p, (nuint)(_readBuffer.Length - kept), LinuxConstants.MsgDontWait);
        }

        if (n > 0)
        {
            OnData(connection, _readBuffer.AsSpan(0, kept + (int)n), now);
            return;
        }

        var counters = _loop.Counters;
        if (n == 0)
        {
            if (_run.Churn && connection.RepliesOnConnection == 0)
            {
                // Closed before answering anything on this connection: the server turned it away.
                _loop.Churn.ConnectFailed(connection, ConnectFailure.Refused, now);
                return;
            }

            _loop.Fail(connection, ref counters.Eof, atLeastOne: now < _run.SendStopTs);
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EAGAIN or Errno.EINTR)
        {
            return;
        }

        if (_run.Churn && connection.RepliesOnConnection == 0)
        {
            _loop.Churn.ConnectFailed(connection, ConnectFailures.FromErrno(errno) == ConnectFailure.Refused ? ConnectFailure.Refused : ConnectFailure.Reset, now);
            return;
        }

        _loop.Fail(connection, ref counters.Reset, atLeastOne: true);
    }

    private void OnData(LoadConnection connection, Span<byte> data, long now)
    {
        if (ChurnRules.RefusedBeforeReply(_run, connection, data))
        {
            _loop.Churn.ConnectFailed(connection, ConnectFailure.Refused, now);
            return;
        }

        var consumed = ReplyReader.Process(_run, connection, _loop, data, now, out var broken);
        if (broken)
        {
            // An oversized or malformed frame: the stream cannot be resynchronised, every outstanding reply is lost.
            _loop.Fail(connection, ref _loop.Counters.Mismatch, atLeastOne: true);
            return;
        }

        if (_run.Churn && ChurnRules.DoneWithConnection(_run, connection, now))
        {
            _loop.Churn.Recycle(connection, now);
            return;
        }

        connection.SetCarry(data[consumed..]);
        if (!_run.IsOpen)
        {
            _loop.Sender.TopUp(connection, now);
        }
    }
}
