using System.Collections.Concurrent;

namespace EchoServers.Servers.Connections;

/// <summary>
/// The connections a server is serving, so that stopping can wait for them, ask them to close, then abort them.
/// </summary>
/// <typeparam name="T">The model's connection type.</typeparam>
internal sealed class ActiveConnections<T>
    where T : class
{
    private readonly ConcurrentDictionary<T, byte> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();
    private TaskCompletionSource? _empty;

    public int Count => _connections.Count;

    public void Add(T connection) => _connections.TryAdd(connection, 0);

    public void Remove(T connection)
    {
        _connections.TryRemove(connection, out _);
        if (_connections.IsEmpty)
        {
            lock (_gate)
            {
                // A later wait starts afresh: emptiness is a moment, not a state.
                _empty?.TrySetResult();
                _empty = null;
            }
        }
    }

    public ICollection<T> Snapshot() => _connections.Keys;

    /// <summary>
    /// The stop sequence the models share: let connections go on for up to <paramref name="drainTimeout"/>, then
    /// ask the rest to close gracefully (replies to what was read are sent), then after <paramref name="closeGrace"/>
    /// abort whatever still hangs on, and give the aborts one more grace period to finish.
    /// </summary>
    public async Task DrainAsync(TimeSpan drainTimeout, TimeSpan closeGrace, Func<Task> requestClose, Action<T> abort, CancellationToken cancellationToken)
    {
        if (await WaitEmptyAsync(drainTimeout, cancellationToken))
        {
            return;
        }

        await requestClose();
        if (await WaitEmptyAsync(closeGrace, cancellationToken))
        {
            return;
        }

        foreach (var connection in Snapshot())
        {
            abort(connection);
        }

        await WaitEmptyAsync(closeGrace, CancellationToken.None);
    }

    /// <summary>Completes when no connection is left, or returns false once <paramref name="timeout"/> passed.</summary>
    public async Task<bool> WaitEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task empty;
        lock (_gate)
        {
            if (_connections.IsEmpty)
            {
                return true;
            }

            _empty ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            empty = _empty.Task;
        }

        try
        {
            await empty.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return _connections.IsEmpty;
        }
        catch (OperationCanceledException)
        {
            return _connections.IsEmpty;
        }
    }
}
