using System.Diagnostics;

namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>bandwidth</c>: caps a direction at <see cref="RateKBps"/> kilobytes (1,000 bytes) per second per
/// connection. Chunks are cut into pieces of at most 100 ms worth, and each piece is followed by the rest of
/// its transmission time, so the rate never exceeds the cap (timer slack only makes it lower).
/// </summary>
public sealed class BandwidthToxic : Toxic
{
    /// <inheritdoc />
    public override string Type => "bandwidth";

    /// <summary>The cap, in KB/s (1 KB = 1,000 bytes, as Toxiproxy counts).</summary>
    public long RateKBps { get; init; }

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(BandwidthToxic toxic) : ToxicStage
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            var bytesPerSecond = Math.Max(1, toxic.RateKBps) * 1000.0;
            var piece = (int)Math.Clamp(bytesPerSecond / 10, 1, int.MaxValue);
            while (!chunk.IsEmpty)
            {
                var started = Stopwatch.GetTimestamp();
                var size = Math.Min(piece, chunk.Length);
                await next.WriteAsync(chunk[..size], cancellationToken);
                chunk = chunk[size..];
                var owed = TimeSpan.FromSeconds(size / bytesPerSecond) - Stopwatch.GetElapsedTime(started);
                if (owed > TimeSpan.Zero)
                {
                    await Task.Delay(owed, cancellationToken);
                }
            }
        }
    }
}
