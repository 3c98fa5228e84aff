namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// Toxiproxy's <c>latency</c>: every chunk is held for <see cref="Latency"/> ± a uniform <see cref="Jitter"/>
/// before it is forwarded. Chunks stay in order; since the pump waits with each chunk, a direction carries at
/// most one read buffer per delay.
/// </summary>
public sealed class LatencyToxic : Toxic
{
    /// <inheritdoc />
    public override string Type => "latency";

    /// <summary>Added delay per chunk.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Up to this much is added or taken off each delay (never below zero).</summary>
    public TimeSpan Jitter { get; init; }

    /// <inheritdoc />
    protected internal override ToxicStage CreateStage() => new Stage(this);

    private sealed class Stage(LatencyToxic toxic) : ToxicStage
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken)
        {
            var jitter = toxic.Jitter.Ticks * ((Random.Shared.NextDouble() * 2) - 1);
            var delay = TimeSpan.FromTicks(Math.Max(0, toxic.Latency.Ticks + (long)jitter));

            // The delay is the toxic's behaviour, not synchronisation.
            await Task.Delay(delay, cancellationToken);
            await next.WriteAsync(chunk, cancellationToken);
        }
    }
}
