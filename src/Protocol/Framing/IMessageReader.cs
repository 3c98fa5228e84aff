using System.Buffers;

namespace EchoServers.Protocol.Framing;

/// <summary>Bedrock.Framework's reader shape: parse one message from the front of a pipe's buffer.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public interface IMessageReader<TMessage>
{
    /// <summary>
    /// Tries to parse one message from <paramref name="input"/>. On success <paramref name="consumed"/> and
    /// <paramref name="examined"/> move past it; when more data is needed, <paramref name="examined"/> moves to the end.
    /// </summary>
    bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out TMessage message);
}
