using System.Runtime.InteropServices;

namespace EchoServers.Load.Measurement;

/// <summary>
/// Counts kept by one worker thread (single writer, plain increments). Another thread may read them at any time: a
/// 64-bit read on a 64-bit machine is atomic, and a value one message stale is good enough for progress lines.
/// Padded so two workers' counters never share a cache line.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public sealed class WorkerCounters
{
#pragma warning disable CS0169, IDE0051 // padding, never read
    private readonly long _pad0, _pad1, _pad2, _pad3, _pad4, _pad5, _pad6, _pad7;
#pragma warning restore CS0169, IDE0051

    /// <summary>Messages sent (every phase).</summary>
    public long Sent;

    /// <summary>Correct replies received (every phase).</summary>
    public long Received;

    /// <summary>Correct replies to messages due inside the measured window.</summary>
    public long MeasuredReceived;

    /// <summary>Messages due inside the measured window that were sent (open model: sent before the window closed).</summary>
    public long MeasuredSent;

    /// <summary>Reply bytes (framing included) of measured messages.</summary>
    public long MeasuredBytes;

    /// <summary>Replies whose bytes differ from what was sent (after the expected transform).</summary>
    public long Mismatch;

    /// <summary>Correct replies that arrived before an earlier message's reply.</summary>
    public long Reorder;

    /// <summary>Connections reset by the peer while messages were outstanding (one per message lost).</summary>
    public long Reset;

    /// <summary>Messages outstanding when the server closed the connection.</summary>
    public long Eof;

    /// <summary>Messages whose reply did not come within <c>--timeout</c>.</summary>
    public long Timeout;

    /// <summary>Messages the open model could not send because every connection it looked at had its window full.</summary>
    public long Overflow;

    /// <summary>Messages still without a reply when the drain phase ended.</summary>
    public long Missing;

    /// <summary>Churn: connections this I/O thread established (reconnects and planned reconnects; not the connect thread's).</summary>
    public long Connects;

    /// <summary>Connections established inside the measured window (the connect thread's too, once started here).</summary>
    public long MeasuredConnects;

    /// <summary>Churn (<c>--reconnect</c>): reopen attempts of failed connections.</summary>
    public long Reconnects;

    /// <summary>Churn: connects of this thread that failed, by cause.</summary>
    public long ConnectRefused;

    public long ConnectReset;

    public long ConnectTimeout;

    public long ConnectOutOfPorts;

    public long ConnectOther;

    /// <summary>Counts a failed connect of this worker by its cause.</summary>
    internal void CountConnectFailure(Engine.ConnectFailure cause)
    {
        switch (cause)
        {
            case Engine.ConnectFailure.Refused: ConnectRefused++; break;
            case Engine.ConnectFailure.Reset: ConnectReset++; break;
            case Engine.ConnectFailure.Timeout: ConnectTimeout++; break;
            case Engine.ConnectFailure.OutOfPorts: ConnectOutOfPorts++; break;
            default: ConnectOther++; break;
        }
    }
}
