using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace EchoServers.Servers.Connections.Admission;

/// <summary>
/// A transport connection that gives its <see cref="AdmissionGate"/> slot back once it is disposed: the transport's
/// dispose waits for its send and receive loops, which close the socket, so the slot follows the descriptor. That wait
/// is bounded by the send timeout (<paramref name="context"/>): a peer that takes none of the last replies for that long
/// is aborted and counted, so it cannot hold the slot. Everything else is the transport's own connection (same
/// features, pipes and close token).
/// </summary>
internal sealed class GatedConnection(ConnectionContext inner, AdmissionGate gate, ServerContext? context) : ConnectionContext
{
    private int _exited;

    public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

    public override IFeatureCollection Features => inner.Features;

    public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

    public override IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

    public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

    public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

    public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (context is null)
            {
                await inner.DisposeAsync();
            }
            else
            {
                await TransportSession.CloseAsync(context, inner);
            }

            await base.DisposeAsync();
        }
        finally
        {
            // Kestrel disposes once; the guard keeps a second dispose from freeing a slot another socket holds.
            if (Interlocked.Exchange(ref _exited, 1) == 0)
            {
                gate.Exit();
            }
        }
    }
}
