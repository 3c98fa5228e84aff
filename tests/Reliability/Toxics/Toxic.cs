namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// A fault added to a <see cref="FaultProxy"/>, modelled on Toxiproxy's toxics: a type (<c>latency</c>,
/// <c>slicer</c>...), a name (default <c>type_stream</c>), a stream (direction) and a toxicity (the share of
/// connections it applies to). The toxic holds shared settings; each connection gets its own <see cref="ToxicStage"/>.
/// </summary>
public abstract class Toxic
{
    private string? _name;

    /// <summary>Toxiproxy's type name, e.g. <c>latency</c>.</summary>
    public abstract string Type { get; }

    /// <summary>Unique within a proxy; default <c>type_stream</c>, as Toxiproxy names them.</summary>
    public string Name
    {
        get => _name ?? $"{Type}_{Stream.ToString().ToLowerInvariant()}";
        init => _name = value;
    }

    /// <summary>The direction it acts on. Default downstream (replies), as in Toxiproxy.</summary>
    public ToxicDirection Stream { get; init; } = ToxicDirection.Downstream;

    /// <summary>Probability (0..1) that a new connection gets this toxic; decided once per connection.</summary>
    public double Toxicity { get; init; } = 1.0;

    /// <summary>Creates the state for one connection.</summary>
    protected internal abstract ToxicStage CreateStage();

    /// <summary>Called when the toxic is removed from its proxy (a stall lets its data go).</summary>
    protected internal virtual void OnRemoved()
    {
    }

    /// <summary>The stage a connection gets: this toxic's, or a pass-through when toxicity says it is spared.</summary>
    internal ToxicStage CreateStageForConnection() =>
        Toxicity >= 1.0 || Random.Shared.NextDouble() < Toxicity ? CreateStage() : PassThroughStage.Instance;

    private sealed class PassThroughStage : ToxicStage
    {
        public static readonly PassThroughStage Instance = new();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, IToxicLink next, CancellationToken cancellationToken) =>
            next.WriteAsync(chunk, cancellationToken);
    }
}
