namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>reset_peer</c>, triggered by volume: after <see cref="AfterBytes"/> bytes of this direction have
/// been forwarded on a connection, the proxy closes both of its sockets with SO_LINGER 0, so each peer sees a
/// TCP reset mid-stream. Zero resets on the first byte.
/// </summary>
public sealed class ResetPeerToxic : Toxic
{
    /// <inheritdoc />
    public override string Type => "reset_peer";

    /// <summary>Bytes let through before the reset.</summary>
    public long AfterBytes { get; init; }

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(ResetPeerToxic toxic) : ToxicStage
    {
        private long _forwarded;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            var allowed = (int)Math.Min(chunk.Length, toxic.AfterBytes - _forwarded);
            if (allowed > 0)
            {
                await next.WriteAsync(chunk[..allowed], cancellationToken);
                _forwarded += allowed;
            }

            if (allowed < chunk.Length)
            {
                next.ResetConnection();
            }
        }
    }
}
