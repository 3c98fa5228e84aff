using System.Buffers;

namespace EchoServers.Protocol.Framing;

/// <summary>Bedrock.Framework's writer shape: write one message into a buffer writer.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public interface IMessageWriter<in TMessage>
{
    /// <summary>Writes <paramref name="message"/>, framed, into <paramref name="output"/>.</summary>
    void WriteMessage(TMessage message, IBufferWriter<byte> output);
}
