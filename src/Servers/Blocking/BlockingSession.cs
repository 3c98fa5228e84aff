using System.Net.Security;
using System.Net.Sockets;
using EchoServers.Protocol;
using EchoServers.Protocol.Framing;
using EchoServers.Protocol.Session;
using EchoServers.Protocol.Work;
using EchoServers.Servers.Connections;

namespace EchoServers.Servers.Blocking;

/// <summary>
/// The echo protocol over a blocking <see cref="Socket"/>, for the threads and pool models. One receive buffer:
/// each read is parsed for every complete frame, each is transformed into the send buffer, and the batch goes out
/// in one blocking Send. A blocked Send is the backpressure: while the peer does not read, this thread does not
/// read either. The idle and frame timeouts are deadlines of the session (<see cref="ReceiveDeadline"/>), which bounds
/// every receive; a send waits at most the send timeout (<see cref="SendDeadline"/>). Under <c>--tls</c> the same loop reads and
/// writes an <see cref="SslStream"/> over a <see cref="DeadlineStream"/> (see <see cref="TlsIo"/>), so the deadlines
/// hold while a record is assembled beneath the session.
/// <para>
/// Memory per connection: a receive and a send buffer that start at <see cref="InitialBufferSize"/> and grow only
/// as far as one whole frame needs (max frame + 4; 2 × 64 KiB + 8 with the defaults). Replies never outgrow the
/// input they answer (every framing writes at most the bytes it read), so the send buffer tracks the receive buffer.
/// </para>
/// </summary>
internal sealed class BlockingSession
{
    /// <summary>Start small: most connections never need more, and 1,000 idle threads should not pin 128 MiB.</summary>
    public const int InitialBufferSize = 8 * 1024;

    private readonly ProtocolOptions _options;
    private readonly SpanFramer _framer;
    private readonly ISessionCounters _counters;
    private readonly int _maxBufferSize;

    public BlockingSession(ProtocolOptions options, ISessionCounters counters)
    {
        _options = options;
        _framer = options.CreateSpanFramer();
        _counters = counters;
        _maxBufferSize = options.MaxFrame + ProtocolLimits.LengthPrefixSize;
    }

    /// <summary>
    /// Echoes until the peer closes (then shuts down its send side), breaks the protocol (then sends an error line
    /// in line framing; the caller closes with <see cref="LingeringClose"/>), or misses a deadline of
    /// <paramref name="deadline"/> (idle or frame timeout; every receive goes through it, under TLS too). Socket
    /// errors other than the receive timeouts propagate, a send that missed <paramref name="sendDeadline"/> too (the
    /// caller aborts the connection). <paramref name="replySent"/>, if given, runs right after every reply
    /// went out: the threads model's accept strategy gives a new connection's thread its normal time slice back there
    /// after the first reply, and holds service back while a connect storm is being admitted.
    /// </summary>
    public SessionResult Run(Socket socket, ReceiveDeadline deadline, SendDeadline sendDeadline, SslStream? tls = null, Action? replySent = null)
    {
        deadline.Start();
        var receive = new byte[Math.Min(InitialBufferSize, _maxBufferSize)];
        var send = new byte[receive.Length];
        int start = 0, end = 0;
        // How much of the unparsed input is known to hold no line end: a long line is scanned once, not per read.
        var scanned = 0;
        long messages = 0, bytesIn = 0, bytesOut = 0;
        try
        {
            while (true)
            {
                if (end == receive.Length)
                {
                    receive = MakeRoom(receive, ref start, ref end);
                }

                var received = tls is null
                    ? deadline.Receive(receive.AsSpan(end))
                    : TlsIo.Read(tls, receive, end, receive.Length - end);
                if (received == 0)
                {
                    // Half-close: every complete frame was answered already; a partial frame can never complete.
                    TlsIo.ShutdownSend(socket, tls);
                    return new SessionResult(SessionEndReason.PeerClosed, null, messages, bytesIn, bytesOut);
                }

                end += received;
                if (send.Length < receive.Length)
                {
                    send = new byte[receive.Length];
                }

                var batchStart = start;
                var produced = 0;
                var count = 0;
                ProtocolError? error = null;
                while (start < end)
                {
                    var status = _framer.TryParse(receive.AsSpan(start, end - start), ref scanned, out var frame, out var declared);
                    if (status == FrameStatus.Incomplete)
                    {
                        break;
                    }

                    if (status != FrameStatus.Complete)
                    {
                        error = ProtocolError.FromStatus(status, _framer.Framing, _framer.MaxFrame, declared);
                        break;
                    }

                    WorkSimulator.Run(_options.Work);
                    produced += _framer.Write(receive.AsSpan(start + frame.PayloadOffset, frame.PayloadLength), send.AsSpan(produced), _options.Transform);
                    start += frame.Consumed;
                    count++;
                }

                if (count > 0)
                {
                    messages += count;
                    bytesIn += start - batchStart;
                    bytesOut += produced;
                    _counters.OnEchoed(count, start - batchStart, produced);
                    if (tls is null)
                    {
                        sendDeadline.Send(send.AsSpan(0, produced));
                    }
                    else
                    {
                        TlsIo.Write(tls, send, 0, produced);
                    }

                    replySent?.Invoke();
                }

                if (start == end)
                {
                    start = end = 0;
                }

                deadline.Received(pending: start < end);

                if (error is { } protocolError)
                {
                    if (_options.Framing == FramingKind.Line)
                    {
                        var line = ErrorLine.For(protocolError);
                        if (tls is null)
                        {
                            sendDeadline.Send(line);
                        }
                        else
                        {
                            TlsIo.Write(tls, line, 0, line.Length);
                        }
                    }

                    return new SessionResult(SessionEndReason.ProtocolError, protocolError, messages, bytesIn, bytesOut);
                }
            }
        }
        catch (SocketException ex) when (SocketErrors.IsTimeout(ex.SocketErrorCode) && !sendDeadline.TimedOut)
        {
            return new SessionResult(SessionEndReason.IdleTimeout, null, messages, bytesIn, bytesOut);
        }
    }

    /// <summary>The buffer is full: slide the unparsed tail to the front, or grow towards one whole frame.</summary>
    private byte[] MakeRoom(byte[] buffer, ref int start, ref int end)
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
            return buffer;
        }

        // Full of one incomplete frame, which the framer has checked fits under the limit: grow.
        var grown = new byte[Math.Min(Math.Max(buffer.Length * 2, 1), _maxBufferSize)];
        Buffer.BlockCopy(buffer, 0, grown, 0, end);
        return grown;
    }
}
