namespace EchoServers.Servers.Connections.Admission;

/// <summary>
/// Bounds how many accepted sockets the <c>kestrel</c> model (and <c>async</c> on a Kestrel-style transport) holds at once, served or being refused: the limit
/// (<c>--max-connections</c>, already lowered under the fd limit by the host) plus <see cref="RefusalSlots"/>.
/// A slot is taken before the transport's accept and given back only when the connection is disposed (its socket
/// closed), so a burst of clients waits in the kernel backlog instead of taking descriptors the runtime needs.
/// </summary>
internal sealed class AdmissionGate : IDisposable
{
    /// <summary>
    /// Connections that may be accepted beyond the limit, only to be refused (ERROR line, FIN, then at most
    /// <see cref="LingeringClose.MaxTime"/> waiting for the peer's FIN): a refusal's cost is bounded by that time, so
    /// this many refusals a second are told at once and a burst of over-limit clients does not wait unseen in the
    /// backlog behind a few lingering ones; few enough to stay inside the descriptor reserve the host keeps (200).
    /// </summary>
    public const int RefusalSlots = 64;

    private readonly SemaphoreSlim _slots;

    public AdmissionGate(int maxConnections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        Capacity = maxConnections + RefusalSlots;
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    /// <summary>Sockets the gate lets the transport hold at once.</summary>
    public int Capacity { get; }

    /// <summary>Accepted sockets not yet closed.</summary>
    public int Held => Capacity - _slots.CurrentCount;

    /// <summary>Takes a slot without waiting; false when every slot is held.</summary>
    public bool TryEnter() => _slots.Wait(0);

    /// <summary>Waits for a slot.</summary>
    public Task EnterAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Gives a slot back: the socket it stood for is closed, or was never accepted.</summary>
    public void Exit() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
