using System.IO.Pipelines;
using System.Text;
using EchoServers.Protocol.Framing;

namespace EchoServers.Client.Net;

/// <summary>Frames each line as one message and writes it to the connection.</summary>
internal sealed class MessageSender
{
    private readonly PipeWriter _output;
    private readonly SpanFramer _framer;
    private readonly int _maxFrame;

    public MessageSender(PipeWriter output, FramingKind framing, int maxFrame)
    {
        _output = output;
        _maxFrame = maxFrame;
        // The framer writes whatever passed TooLargeReason: the one limit is --max-frame, checked there.
        _framer = new SpanFramer(framing, ProtocolLimits.MaxMaxFrame);
    }

    /// <summary>
    /// Null when <paramref name="line"/> can be sent; otherwise the one-line reason it is not sent. An echo server
    /// answers a message with one of the same size, and the client accepts replies up to <c>--max-frame</c>: a larger
    /// message would be sent whole and its own echo then rejected as a bad reply, ending the session. So it is refused
    /// here, before a byte goes out. Raw framing has no frames: its replies are chunks, never too large.
    /// </summary>
    public string? TooLargeReason(string line)
    {
        if (_framer.Framing == FramingKind.Raw)
        {
            return null;
        }

        var byteCount = Encoding.UTF8.GetByteCount(line);
        return byteCount <= _maxFrame
            ? null
            : $"not sent: the message is {byteCount} bytes, over --max-frame {_maxFrame} bytes (its echo would be refused as too long); start the client with --max-frame {byteCount} or more";
    }

    /// <summary>
    /// Sends <paramref name="line"/> as one message: <c>line\n</c> (line), length prefix + bytes (length), or in raw
    /// framing the line's bytes with its <c>\n</c>, so the echoed stream reads back as the input did.
    /// Returns the bytes an echo of it will bring back (the payload; in raw framing, every byte sent).
    /// </summary>
    public async ValueTask<int> SendAsync(string line, CancellationToken cancellationToken)
    {
        var text = _framer.Framing == FramingKind.Raw ? line + "\n" : line;
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var destination = _output.GetSpan(byteCount + _framer.Overhead);
        var header = _framer.WriteHeader(byteCount, destination);
        Encoding.UTF8.GetBytes(text, destination[header..]);
        var trailer = _framer.WriteTrailer(destination[(header + byteCount)..]);
        _output.Advance(header + byteCount + trailer);
        await _output.FlushAsync(cancellationToken);
        return byteCount;
    }
}
