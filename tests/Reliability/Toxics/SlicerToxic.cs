namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>slicer</c>: each chunk is cut into slices of <see cref="AverageSize"/> ± <see cref="SizeVariation"/>
/// bytes (at least one), each written on its own, optionally <see cref="Delay"/> apart. Average 1, variation 0
/// delivers single bytes: every frame boundary the receiver can meet.
/// </summary>
public sealed class SlicerToxic : Toxic
{
    private long _slices;

    /// <inheritdoc />
    public override string Type => "slicer";

    /// <summary>Mean slice size in bytes. Default 1.</summary>
    public int AverageSize { get; init; } = 1;

    /// <summary>Slices vary uniformly by up to this many bytes.</summary>
    public int SizeVariation { get; init; }

    /// <summary>Pause between slices. Default none.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Slices written so far, over every connection: proof the toxic did cut.</summary>
    public long Slices => Interlocked.Read(ref _slices);

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(SlicerToxic toxic) : ToxicStage
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            var average = Math.Max(1, toxic.AverageSize);
            var variation = Math.Max(0, toxic.SizeVariation);
            while (!chunk.IsEmpty)
            {
                var size = Math.Clamp(average + Random.Shared.Next(-variation, variation + 1), 1, chunk.Length);
                await next.WriteAsync(chunk[..size], cancellationToken);
                Interlocked.Increment(ref toxic._slices);
                chunk = chunk[size..];
                if (toxic.Delay > TimeSpan.Zero && !chunk.IsEmpty)
                {
                    await Task.Delay(toxic.Delay, cancellationToken);
                }
            }
        }
    }
}
