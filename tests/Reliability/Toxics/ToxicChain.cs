namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// One direction's toxics for one connection, in the order they were added, ending in the sink (the
/// destination socket). Rebuilt when the proxy's toxics change; stages of toxics that stay are kept, so a
/// byte count or a lifted stall survives another toxic being added.
/// </summary>
internal sealed class ToxicChain
{
    private readonly IToxicLink _sink;
    private readonly ToxicStage[] _stages;
    private readonly IToxicLink[] _links;
    private readonly Dictionary<Toxic, ToxicStage> _byToxic;

    public ToxicChain(Toxic[] toxics, ToxicChain? previous, IToxicLink sink)
    {
        Toxics = toxics;
        _sink = sink;
        _byToxic = new Dictionary<Toxic, ToxicStage>(toxics.Length);
        _stages = new ToxicStage[toxics.Length];
        for (var i = 0; i < toxics.Length; i++)
        {
            var stage = previous is not null && previous._byToxic.TryGetValue(toxics[i], out var kept)
                ? kept
                : toxics[i].CreateStageForConnection();
            _stages[i] = stage;
            _byToxic[toxics[i]] = stage;
        }

        // _links[i] is where stage i writes: stage i + 1, or the sink after the last.
        _links = new IToxicLink[toxics.Length];
        IToxicLink after = sink;
        for (var i = toxics.Length - 1; i >= 0; i--)
        {
            _links[i] = after;
            after = new Link(_stages[i], after, sink);
        }
    }

    /// <summary>The toxics this chain was built from (compared by reference to spot a change).</summary>
    public Toxic[] Toxics { get; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        _stages.Length == 0 ? _sink.WriteAsync(chunk, cancellationToken) : _stages[0].WriteAsync(chunk, _links[0], cancellationToken);

    private sealed class Link(ToxicStage stage, IToxicLink next, IToxicLink sink) : IToxicLink
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => stage.WriteAsync(data, next, cancellationToken);

        public void ResetConnection() => sink.ResetConnection();

        public void CloseWrite() => sink.CloseWrite();
    }
}
