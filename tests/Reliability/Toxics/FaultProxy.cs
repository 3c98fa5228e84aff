using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EchoServers.Tests.Reliability.Toxics;

/// <summary>
/// A fault-injecting TCP proxy modelled on Toxiproxy: listens on 127.0.0.1 with an ephemeral port, forwards each
/// connection to <see cref="Upstream"/> with a pump per direction, and passes every chunk through that
/// direction's toxics in the order they were added. Toxics can be added and removed at any time and apply to
/// live connections from their next chunk on. Used because this machine has no netem and no Toxiproxy package.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<ProxyConnection, Task> _connections = new();
    private readonly Lock _gate = new();
    private readonly List<Toxic> _toxics = [];
    private readonly Task _acceptLoop;
    private Toxic[] _upstreamToxics = [];
    private Toxic[] _downstreamToxics = [];

    private FaultProxy(IPEndPoint upstream)
    {
        Upstream = upstream;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients connect: 127.0.0.1 and the port the system picked.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server every connection is forwarded to.</summary>
    public IPEndPoint Upstream { get; }

    /// <summary>Bytes and connections so far.</summary>
    public ProxyStats Stats { get; } = new();

    /// <summary>The toxics in force, in the order they apply.</summary>
    public IReadOnlyList<Toxic> Toxics
    {
        get
        {
            lock (_gate)
            {
                return [.. _toxics];
            }
        }
    }

    /// <summary>Starts a proxy to <paramref name="upstream"/>; it accepts as soon as this returns.</summary>
    public static FaultProxy Start(IPEndPoint upstream) => new(upstream);

    /// <summary>Adds <paramref name="toxic"/> after those already in its direction; returns it (to release a stall, read a count).</summary>
    public T AddToxic<T>(T toxic)
        where T : Toxic
    {
        lock (_gate)
        {
            if (_toxics.Any(t => t.Name == toxic.Name))
            {
                throw new InvalidOperationException($"a toxic named '{toxic.Name}' already exists");
            }

            _toxics.Add(toxic);
            Publish();
        }

        return toxic;
    }

    /// <summary>Removes the toxic named <paramref name="name"/>; false when there is none.</summary>
    public bool RemoveToxic(string name)
    {
        Toxic? removed;
        lock (_gate)
        {
            removed = _toxics.FirstOrDefault(t => t.Name == name);
            if (removed is null)
            {
                return false;
            }

            _toxics.Remove(removed);
            Publish();
        }

        removed.OnRemoved();
        return true;
    }

    /// <summary>Resets every open connection (both peers see a reset); the proxy keeps accepting.</summary>
    public void ResetAll()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }
    }

    /// <summary>Completes when every connection open now has ended (both directions pumped to the end).</summary>
    public Task WhenConnectionsClosed() => Task.WhenAll(_connections.Values);

    /// <summary>Stops accepting, resets what is still open, and waits for every pump to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        ResetAll();
        await Task.WhenAll(_connections.Values.Append(_acceptLoop)).WaitAsync(StopTimeout);
        _stopping.Dispose();
    }

    internal Toxic[] ToxicsFor(ToxicDirection direction) =>
        direction == ToxicDirection.Upstream ? Volatile.Read(ref _upstreamToxics) : Volatile.Read(ref _downstreamToxics);

    private void Publish()
    {
        // Pumps read these arrays without locking and rebuild their chains when the reference changes.
        Volatile.Write(ref _upstreamToxics, [.. _toxics.Where(t => t.Stream == ToxicDirection.Upstream)]);
        Volatile.Write(ref _downstreamToxics, [.. _toxics.Where(t => t.Stream == ToxicDirection.Downstream)]);
    }

    private async Task AcceptLoopAsync()
    {
        var stopping = _stopping.Token;
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                // The listener was disposed by DisposeAsync.
                return;
            }

            Stats.OnAccepted();
            var connection = new ProxyConnection(this, client);
            // Registered before it starts, so a connection that ends at once is never left behind in the map.
            var run = new Task<Task>(() => RunConnectionAsync(connection, stopping));
            _connections[connection] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunConnectionAsync(ProxyConnection connection, CancellationToken stopping)
    {
        try
        {
            await connection.RunAsync(Upstream, stopping);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }
}
