namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>What a toxic stage passes its bytes on to: the next stage, or in the end the destination socket.</summary>
public interface IToxicLink
{
    /// <summary>Forwards <paramref name="data"/>. The memory is the pump's buffer: use it before this returns, never after.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Aborts the whole proxied connection: both peers get a reset (SO_LINGER 0 close).</summary>
    void ResetConnection();

    /// <summary>Half-closes this direction: the destination sees end of stream; later bytes are dropped and counted.</summary>
    void CloseWrite();
}
