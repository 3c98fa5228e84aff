namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>limit_data</c>, as a half-close: after <see cref="Bytes"/> bytes of this direction on a
/// connection, the proxy shuts down sending to the destination (it sees end of stream) and drops the rest,
/// while the other direction goes on. Toxiproxy closes the whole connection; the half-close is the harder case.
/// </summary>
public sealed class LimitDataToxic : Toxic
{
    /// <inheritdoc />
    public override string Type => "limit_data";

    /// <summary>Bytes let through before the direction is closed.</summary>
    public long Bytes { get; init; }

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(LimitDataToxic toxic) : ToxicStage
    {
        private long _forwarded;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            var allowed = (int)Math.Min(chunk.Length, Math.Max(0, toxic.Bytes - _forwarded));
            if (allowed > 0)
            {
                await next.WriteAsync(chunk[..allowed], cancellationToken);
                _forwarded += allowed;
            }

            if (_forwarded >= toxic.Bytes)
            {
                // The sink drops and counts whatever follows once the direction is closed.
                next.CloseWrite();
                if (allowed < chunk.Length)
                {
                    await next.WriteAsync(chunk[allowed..], cancellationToken);
                }
            }
        }
    }
}
