using System.IO.Pipelines;
using System.Text;
using EchoServers.Protocol.Framing;

namespace EchoServers.Client.Net;

/// <summary>Frames each line as one message and writes it to the connection.</summary>
internal sealed class MessageSender
{
    private readonly PipeWriter _output;
    private readonly SpanFramer _framer;

    public MessageSender(PipeWriter output, FramingKind framing)
    {
        _output = output;
        // The client frames what the user typed; the limit on what it sends is the server's to enforce.
        _framer = new SpanFramer(framing, ProtocolLimits.MaxMaxFrame);
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
