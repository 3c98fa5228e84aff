using System.Net;
using System.Threading.Channels;
using EchoServers.Servers.Connections.Admission;
using Microsoft.AspNetCore.Connections;

namespace EchoServers.Tests.Transport;

/// <summary>
/// The accept gate of the kestrel model and of async on a Kestrel-style transport: the transport is not asked for a connection while every slot is held, and a slot
/// comes back only when Kestrel disposes the connection (its socket closed).
/// </summary>
public sealed class GatedConnectionListenerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_gate_leaves_the_transport_alone_until_a_connection_is_disposed()
    {
        using var gate = new AdmissionGate(maxConnections: 1);
        var transport = new QueueListener();
        await using var listener = new GatedConnectionListener(transport, gate);
        var held = new List<ConnectionContext>();
        for (var i = 0; i < gate.Capacity; i++)
        {
            transport.Arrive();
            held.Add((await listener.AcceptAsync(Ct).AsTask().WaitAsync(Timeout, Ct))!);
        }

        transport.Arrive();
        var waiting = listener.AcceptAsync(Ct).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(gate.Capacity, transport.Accepts);
        Assert.Equal(gate.Capacity, gate.Held);

        await held[0].DisposeAsync();
        var next = await waiting.WaitAsync(Timeout, Ct);
        Assert.NotNull(next);
        Assert.Equal(gate.Capacity + 1, transport.Accepts);
        Assert.Equal(gate.Capacity, gate.Held);
    }

    [Fact]
    public async Task Disposing_twice_frees_one_slot()
    {
        using var gate = new AdmissionGate(maxConnections: 2);
        var transport = new QueueListener();
        await using var listener = new GatedConnectionListener(transport, gate);
        transport.Arrive();
        transport.Arrive();
        var first = (await listener.AcceptAsync(Ct).AsTask().WaitAsync(Timeout, Ct))!;
        await using var second = (await listener.AcceptAsync(Ct).AsTask().WaitAsync(Timeout, Ct))!;

        await first.DisposeAsync();
        await first.DisposeAsync();
        Assert.Equal(1, gate.Held);
    }

    [Fact]
    public async Task Unbinding_ends_an_accept_waiting_for_a_slot()
    {
        using var gate = new AdmissionGate(maxConnections: 1);
        var transport = new QueueListener();
        await using var listener = new GatedConnectionListener(transport, gate);
        for (var i = 0; i < gate.Capacity; i++)
        {
            transport.Arrive();
            Assert.NotNull(await listener.AcceptAsync(Ct).AsTask().WaitAsync(Timeout, Ct));
        }

        var waiting = listener.AcceptAsync(Ct).AsTask();
        Assert.False(waiting.IsCompleted);
        await listener.UnbindAsync(Ct);
        Assert.Null(await waiting.WaitAsync(Timeout, Ct));
        Assert.Equal(gate.Capacity, transport.Accepts);
    }

    [Fact]
    public async Task A_transport_that_returns_no_connection_gives_the_slot_back()
    {
        using var gate = new AdmissionGate(maxConnections: 1);
        var transport = new QueueListener();
        await using var listener = new GatedConnectionListener(transport, gate);
        transport.Unbound();
        Assert.Null(await listener.AcceptAsync(Ct).AsTask().WaitAsync(Timeout, Ct));
        Assert.Equal(0, gate.Held);
    }

    /// <summary>A transport whose accept returns what the test queued: a connection, or null once unbound.</summary>
    private sealed class QueueListener : IConnectionListener
    {
        private readonly Channel<ConnectionContext?> _pending = Channel.CreateUnbounded<ConnectionContext?>();
        private int _accepts;

        public int Accepts => Volatile.Read(ref _accepts);

        public EndPoint EndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 0);

        public void Arrive() => Assert.True(_pending.Writer.TryWrite(new DefaultConnectionContext()));

        public void Unbound() => Assert.True(_pending.Writer.TryWrite(null));

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _accepts);
            return await _pending.Reader.ReadAsync(cancellationToken);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            Unbound();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
