using System.Diagnostics;
using System.Runtime.InteropServices;
using EchoServers.Linux;

namespace EchoServers.Load.Engine;

/// <summary>
/// The send side of one I/O thread: the closed model's messages (a connection's pipeline filled and written in one
/// send), the first messages of a connection just handed over, and output a full socket buffer held back (written on
/// EPOLLOUT). Payloads are generated into the thread's write buffer; nothing is allocated per message.
/// </summary>
internal sealed unsafe class LoopSender
{
    private readonly IoLoop _loop;
    private readonly RunContext _run;
    private readonly byte[] _writeBuffer;
    private int _writeLength;
    private int _activeTarget;

    public LoopSender(IoLoop loop)
    {
        _loop = loop;
        _run = loop.Run;
        _writeBuffer = new byte[Math.Max(64 * 1024, _run.MaxWire * 2)];
    }

    /// <summary>Reads the number of active connections now (ramps); true when it changed.</summary>
    public bool RefreshActiveTarget(long now)
    {
        var target = _run.ActiveTargetAt(now);
        var changed = target != _activeTarget;
        _activeTarget = target;
        return changed;
    }

    /// <summary>
    /// Immediate start: the first EPOLLOUT of a new connection. Stops asking for EPOLLOUT (unless output is pending)
    /// and, in the closed model, sends its first messages now, while other connections may still be connecting.
    /// Returns true when the event was only this start.
    /// </summary>
    public bool StartConnection(LoadConnection connection, long now)
    {
        connection.Started = true;
        if (_run.IsMeasured(connection.EstablishedTs))
        {
            _loop.Counters.MeasuredConnects++;
        }

        if (!connection.WaitingToWrite)
        {
            _loop.Watch(connection, writable: false);
        }

        if (!_run.IsOpen)
        {
            Begin(connection, now);
            return true;
        }

        return !connection.WaitingToWrite;
    }

    /// <summary>A connection (new, or reconnected by churn) starts the closed model: the pipeline is filled now.</summary>
    public void Begin(LoadConnection connection, long now)
    {
        RefreshActiveTarget(now);
        TopUp(connection, now);
    }

    /// <summary>Closed model: fills the connection's pipeline and writes the new messages in one send.</summary>
    public void TopUp(LoadConnection connection, long now)
    {
        if (connection.Dead || now >= _run.SendStopTs || connection.Index >= _activeTarget)
        {
            return;
        }

        var limit = Math.Min(_run.Pipeline, connection.Window);
        var room = _run.Churn ? ChurnRules.RoomOnConnection(_run, connection, now) : int.MaxValue;
        var measured = _run.IsMeasured(now);
        var counters = _loop.Counters;
        while (connection.Outstanding < limit && room-- > 0)
        {
            connection.SentOnConnection++;
            var seq = connection.Claim(now, now);
            var size = _run.Sizes.SizeOf(connection.Id, seq);
            if (_writeLength + size + _run.Overhead > _writeBuffer.Length && !FlushWrite(connection))
            {
                return;
            }

            _writeLength += LoadConnection.WriteMessage(_run.Framer, _writeBuffer.AsSpan(_writeLength), connection.Id, seq, size);
            counters.Sent++;
            if (measured)
            {
                counters.MeasuredSent++;
            }
        }

        FlushWrite(connection);
    }

    /// <summary>
    /// EPOLLOUT: writes what was held back; once it is all out, stops asking and (open model) writes the messages
    /// that fell due meanwhile.
    /// </summary>
    public void OnWritable(LoadConnection connection)
    {
        if (!connection.TryFlushPending(out _))
        {
            _loop.Fail(connection, ref _loop.Counters.Reset, atLeastOne: true);
            return;
        }

        if (connection.HasPending)
        {
            return;
        }

        if (connection.WaitingToWrite)
        {
            connection.WaitingToWrite = false;
            _loop.Watch(connection, writable: false);
        }

        if (_run.IsOpen)
        {
            WriteQueued(connection, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>
    /// Open model: generates the messages claimed on <paramref name="connection"/> and not written yet into this
    /// thread's write buffer, stamps them with <paramref name="sentAt"/> and sends them in one send. Only what a full
    /// socket buffer refuses is kept (the connection's pending output, until EPOLLOUT): a burst of due messages over
    /// thousands of connections (after a pause of the process) thus costs no buffer per connection.
    /// </summary>
    public void WriteQueued(LoadConnection connection, long sentAt)
    {
        var seq = connection.FirstUnstamped;
        var end = connection.NextSeq;
        while (seq != end && !connection.WaitingToWrite && !connection.Dead)
        {
            var length = 0;
            while (seq != end && length + _run.MaxWire <= _writeBuffer.Length)
            {
                length += LoadConnection.WriteMessage(_run.Framer, _writeBuffer.AsSpan(length), connection.Id, seq, _run.Sizes.SizeOf(connection.Id, seq));
                seq++;
            }

            SendStamps.Record(_run, connection, _loop, seq, sentAt);
            _writeLength = length;
            if (!FlushWrite(connection))
            {
                return;
            }
        }
    }

    private bool FlushWrite(LoadConnection connection)
    {
        var length = _writeLength;
        _writeLength = 0;
        if (length == 0)
        {
            return true;
        }

        if (connection.HasPending)
        {
            connection.AppendPending(_writeBuffer.AsSpan(0, length));
            return true;
        }

        var offset = 0;
        while (offset < length)
        {
            nint n;
            fixed (byte* p = &_writeBuffer[offset])
            {
                n = LibC.Send(connection.Fd, p, (nuint)(length - offset), LinuxConstants.MsgNoSignal | LinuxConstants.MsgDontWait);
            }

            if (n >= 0)
            {
                offset += (int)n;
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (errno == Errno.EAGAIN)
            {
                // The socket buffer is full: keep the rest and ask epoll to say when it drains.
                connection.AppendPending(_writeBuffer.AsSpan(offset, length - offset));
                connection.WaitingToWrite = true;
                _loop.Watch(connection, writable: true);
                return true;
            }

            _loop.Fail(connection, ref _loop.Counters.Reset, atLeastOne: true);
            return false;
        }

        return true;
    }
}
