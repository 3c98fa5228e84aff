using System.Net;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Servers.Connections.Admission;

/// <summary>
/// Kestrel's accept loop calls <see cref="AcceptAsync"/> again as soon as it has handed a connection off, so without
/// this it accepts as fast as clients arrive and every over-limit client holds a descriptor until its refusal is sent.
/// Here the transport's accept is not called until the <see cref="AdmissionGate"/> has a slot: at the limit the rest
/// wait in the kernel backlog (like the eventloop model backing off) and the server idles instead of retrying EMFILE.
/// With a <paramref name="context"/>, a connection's dispose is bounded by its send timeout (see <see cref="GatedConnection"/>).
/// </summary>
internal sealed class GatedConnectionListener(IConnectionListener inner, AdmissionGate gate, ServerContext? context = null) : IConnectionListener
{
    private readonly CancellationTokenSource _unbound = new();

    public EndPoint EndPoint => inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (!gate.TryEnter() && !await WaitForSlotAsync(cancellationToken))
        {
            return null;
        }

        var accepted = false;
        try
        {
            var connection = await inner.AcceptAsync(cancellationToken);
            if (connection is null)
            {
                return null;
            }

            accepted = true;
            return new GatedConnection(connection, gate, context);
        }
        finally
        {
            if (!accepted)
            {
                gate.Exit();
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        // Wakes an accept waiting for a slot: Kestrel's accept loop ends when it gets null.
        _unbound.Cancel();
        return inner.UnbindAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _unbound.CancelAsync();
        await inner.DisposeAsync();
        _unbound.Dispose();
    }

    /// <summary>False when the listener was unbound while waiting (the transport's accept would return null too).</summary>
    private async Task<bool> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
        try
        {
            await gate.EnterAsync(linked.Token);
            return true;
        }
        catch (OperationCanceledException) when (_unbound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
